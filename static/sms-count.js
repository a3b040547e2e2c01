// The SMS length counter of /staff/messages/kind/…, live while typing.
// The server counts the same way (sms_count in cgi-bin/outbox.c) on 预览
// and 保存; without this script the page works the same. Placeholders are
// counted as written, the server with its examples: the figures may
// differ by the length of a value.
(function () {
  var area = document.getElementById('f-body');
  var out = document.getElementById('sms-count');
  if (!area || !out) return;
  function count() {
    var n = Array.from(area.value.trim()).length;
    var parts = n === 0 ? 0 : n <= 70 ? 1 : Math.ceil(n / 67);
    out.textContent = '正在输入:' + n + ' 字,' + parts + ' 条短信' +
      (parts > 1 ? '(超过 70 字,按每条 67 字分条)' : '') +
      '。变量按写法计数,点“预览”看实际长度。';
  }
  area.addEventListener('input', count);
})();
