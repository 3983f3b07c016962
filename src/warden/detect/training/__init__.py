"""Building the embedded detector (build time): the data sources mapped onto the taxonomy, the
fine-tune of the encoder, its export to ONNX, the static first stage and the calibrated heads.

Only `data` and `labels` run without the `build` extra; `warden train` needs it (torch)."""
