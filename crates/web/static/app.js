// xinfang: the only script. Checks a 居民身份证号码 (GB 11643 check digit) as
// it is typed and says what is wrong next to the field, and shows an
// upload's progress. The server checks again; without this script the
// forms work the same.
(function () {
  var W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  var C = "10X98765432";
  function problem(v) {
    v = v.trim().toUpperCase();
    if (v === "") return "";
    if (v.length !== 18) return "身份证号码应为 18 位（已输入 " + v.length + " 位）";
    if (!/^[0-9]{17}[0-9X]$/.test(v)) return "身份证号码前 17 位应为数字，末位为数字或 X";
    var y = +v.substr(6, 4), m = +v.substr(10, 2), d = +v.substr(12, 2);
    var dt = new Date(y, m - 1, d);
    if (y < 1800 || dt.getFullYear() !== y || dt.getMonth() !== m - 1 || dt.getDate() !== d) return "身份证号码中的出生日期无效";
    var s = 0;
    for (var i = 0; i < 17; i++) s += (+v[i]) * W[i];
    if (C[s % 11] !== v[17]) return "身份证号码校验位不正确（GB 11643）";
    return "";
  }
  document.querySelectorAll("input[data-id-number]").forEach(function (input) {
    var out = document.getElementById(input.id + "-check");
    function check() {
      var p = problem(input.value);
      if (out) out.textContent = p;
      input.setCustomValidity(p);
    }
    input.addEventListener("input", check);
    check();
  });
  // An upload form shows how far a large file has gone; on an answer it
  // goes where the server sends it, or shows the page the server answered.
  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (!window.XMLHttpRequest || !window.FormData) return;
      ev.preventDefault();
      var bar = form.querySelector("progress"), status = form.querySelector("[role=status]");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        bar.hidden = false;
        bar.value = Math.round(e.loaded * 100 / e.total);
        status.textContent = bar.value + "%";
      });
      xhr.addEventListener("load", function () {
        if (xhr.status < 400 && xhr.responseURL) { window.location.href = xhr.responseURL; return; }
        document.open(); document.write(xhr.responseText); document.close();
      });
      xhr.addEventListener("error", function () { status.textContent = "上传失败：网络中断，请重试"; });
      form.querySelector("button[type=submit]").disabled = true;
      xhr.send(new FormData(form));
    });
  });
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
})();
