/* The quality report's table filters (text and 'only not passed'); sets body[data-ready]. */
(function () {
  function setup(table) {
    var rows = table.tBodies[0].rows;
    var text = document.querySelector('input[data-filter="' + table.id + '"]');
    var notPassed = document.querySelector('input[data-not-passed="' + table.id + '"]');
    var counter = document.querySelector('[data-filter-count="' + table.id + '"]');
    function apply() {
      var terms = text.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      for (var i = 0; i < rows.length; i++) {
        var row = rows[i], content = row.textContent.toLowerCase(), ok = true;
        for (var t = 0; t < terms.length && ok; t++) ok = content.indexOf(terms[t]) >= 0;
        if (ok && notPassed.checked) ok = row.getAttribute('data-passed') === 'false';
        row.hidden = !ok;
        if (ok) shown++;
      }
      counter.textContent = shown + ' of ' + rows.length + ' rows shown';
    }
    text.addEventListener('input', apply);
    notPassed.addEventListener('change', apply);
    apply();
  }
  var tables = document.querySelectorAll('table.filterable');
  for (var i = 0; i < tables.length; i++) setup(tables[i]);
  document.body.setAttribute('data-ready', '1');
})();
