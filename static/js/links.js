// "My links": the Copy button puts the link (tagged ?c=copy) on the clipboard. Without
// JavaScript, the address field beside it can be selected and copied by hand.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) return;
  var status = document.getElementById(button.getAttribute("data-copied"));
  var done = function (ok) { if (status) status.textContent = ok ? "Copied." : "Select the address and copy it."; };
  if (navigator.clipboard && navigator.clipboard.writeText) {
    navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () { done(true); }, function () { done(false); });
  } else {
    done(false);
  }
});
