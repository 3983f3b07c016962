#!/usr/bin/env bash
# The three tiers over HTTP against a running `warden serve` (WARDEN_MODERATION_AUTH=required):
#   ADMIN=wdn_... (platform_admin) ACME=org_... SVC=wdn_... (acme service key) OSVC=wdn_... (another org's)
#   bash docs/examples/tiers.sh [http://127.0.0.1:8000]
set -euo pipefail
U=${1:-http://127.0.0.1:8000}
cd "$(dirname "$0")"
J='content-type: application/json'
body() { python3 -c 'import json,sys; d={"org_id": sys.argv[1], "filename": sys.argv[2], "text": open(sys.argv[2]).read()}
if len(sys.argv) > 3: d["account_id"] = sys.argv[3]
print(json.dumps(d))' "$@"; }
verdict() { python3 -c 'import json,sys; r=json.load(sys.stdin)["results"][0]["warden"]
print(r["decision"], [v["rule_id"] for v in r["violations"]], r["policy_revision"])'; }
TEXT="They kissed slowly and she pulled him into the bedroom."

echo "1. platform policy only:"
curl -s $U/v1/moderations -H "Authorization: Bearer $SVC" -H "$J" -d "{\"input\": \"$TEXT\"}" | verdict

echo "2. an overlay that relaxes a hard limit is refused with file and line:"
curl -s $U/v1/overlays -H "Authorization: Bearer $ADMIN" -H "$J" -d "$(body $ACME loosen-hard-limit.yaml)"; echo

echo "3. the operator overlay, pushed and activated, changes acme's decisions only:"
V1=$(curl -s $U/v1/overlays -H "Authorization: Bearer $ADMIN" -H "$J" -d "$(body $ACME acme-operator.yaml)" \
     | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -s -X POST $U/v1/overlays/$V1/activate -H "Authorization: Bearer $ADMIN" >/dev/null
curl -s $U/v1/moderations -H "Authorization: Bearer $SVC" -H "$J" -d "{\"input\": \"$TEXT\"}" | verdict
echo "   another organization:"
curl -s $U/v1/moderations -H "Authorization: Bearer $OSVC" -H "$J" -d "{\"input\": \"$TEXT\"}" | verdict

echo "4. an adult reader's own setting (delegated by the operator) changes it for that reader only:"
READER=$(curl -s $U/v1/accounts -H "Authorization: Bearer $ADMIN" -H "$J" -d "{\"org_id\": \"$ACME\"}" \
         | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
V2=$(curl -s $U/v1/overlays -H "Authorization: Bearer $ADMIN" -H "$J" -d "$(body $ACME reader-settings.yaml $READER)" \
     | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -s -X POST $U/v1/overlays/$V2/activate -H "Authorization: Bearer $ADMIN" >/dev/null
curl -s $U/v1/moderations -H "Authorization: Bearer $SVC" -H "$J" \
     -d "{\"input\": \"$TEXT\", \"warden\": {\"account_id\": \"$READER\"}}" | verdict
echo "   everyone else at acme:"
curl -s $U/v1/moderations -H "Authorization: Bearer $SVC" -H "$J" -d "{\"input\": \"$TEXT\"}" | verdict
