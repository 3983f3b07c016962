// Keyboard shortcuts of the case page. Outside text fields: u / o / e pick the outcome of the
// decide form and move focus to the reason; c claims the case. Ctrl+Enter in a form submits it.
(function () {
  function typing(el) {
    return el && (el.tagName === "TEXTAREA" || el.tagName === "SELECT" ||
      (el.tagName === "INPUT" && !["radio", "checkbox", "button", "submit"].includes(el.type)));
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && ev.target.form) {
      ev.preventDefault();
      ev.target.form.requestSubmit();
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(document.activeElement)) return;
    var target = document.querySelector('[data-shortcut="' + ev.key + '"]');
    if (!target) return;
    ev.preventDefault();
    if (target.type === "radio") {
      target.checked = true;
      var reason = document.getElementById("reason");
      (reason || target).focus();
    } else {
      target.focus();
      target.click();
    }
  });
})();
