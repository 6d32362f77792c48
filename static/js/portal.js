// Small behaviours shared by every page. Pages work without this file; it only makes them nicer.
document.addEventListener("htmx:responseError", function (event) {
  // Show the server's error page text instead of silently doing nothing.
  var target = document.getElementById("messages");
  if (!target) return;
  var div = document.createElement("div");
  div.className = "alert alert-danger";
  div.setAttribute("role", "alert");
  div.textContent = (document.documentElement.lang.indexOf("zh") === 0 ? "请求失败：" : "Request failed: ") + event.detail.xhr.status;
  target.appendChild(div);
});
// Forms with data-autosubmit re-query the list as the user types or picks a filter.
document.addEventListener("change", function (event) {
  var form = event.target.closest("form[data-autosubmit]");
  if (form && window.htmx) htmx.trigger(form, "submit");
});
