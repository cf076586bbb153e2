// The campaign's forms: fetch a reCAPTCHA v3 token just before sending, and send once only.
// A static file rather than inline script, so a strict Content Security Policy allows it.
(function () {
  "use strict";

  function send(form) {
    var button = form.querySelector("button[type=submit]");
    if (button) {
      button.disabled = true;
      button.textContent = form.dataset.submittingLabel || button.textContent;
    }
    form.submit();
  }

  document.querySelectorAll("form.campaign-form").forEach(function (form) {
    var sending = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (sending) {
        return;
      }
      sending = true;
      var captcha = form.querySelector("input.g-recaptcha[data-sitekey]");
      if (!captcha || typeof grecaptcha === "undefined") {
        // Without the script (blocked or offline) the server answers "please try again".
        send(form);
        return;
      }
      grecaptcha.ready(function () {
        grecaptcha
          .execute(captcha.dataset.sitekey, { action: captcha.dataset.action || "submit" })
          .then(function (token) {
            captcha.value = token;
            send(form);
          }, function () {
            send(form);
          });
      });
    });
  });
})();
