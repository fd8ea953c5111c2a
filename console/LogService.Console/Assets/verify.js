// Verify view: walk the range in steps through the console, moving the progress bar and stopping at the first bad entry.
(() => {
  const box = document.getElementById('verify');
  if (!box) return;
  const progress = document.getElementById('verify-progress');
  const label = document.getElementById('progress-label');
  const result = document.getElementById('verify-result');
  const stream = box.dataset.stream;
  const first = Number(box.dataset.first), last = Number(box.dataset.last), chunk = Number(box.dataset.chunk);
  const total = last - first + 1;

  function show(ok, html) {
    result.hidden = false;
    result.className = 'badge integrity ' + (ok ? 'verified' : 'broken');
    result.setAttribute('role', ok ? 'status' : 'alert');
    result.innerHTML = html;
  }

  const text = s => String(s).replace(/[&<>"']/g, c => '&#' + c.charCodeAt(0) + ';');

  (async () => {
    let done = 0, verified = 0;
    for (let from = first; from <= last; from += chunk) {
      const to = Math.min(last, from + chunk - 1);
      const url = '/verify/chunk?stream=' + encodeURIComponent(stream) + '&from=' + from + '&to=' + to;
      const response = await fetch(url, { method: 'POST', credentials: 'same-origin' });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) {
        show(false, text(body.title || ('The log service did not answer (status ' + response.status + ').')) + (body.detail ? ' ' + text(body.detail) : ''));
        return;
      }
      done += body.checked; verified += body.verified;
      progress.value = done;
      progress.textContent = label.textContent = 'Checked ' + done + ' of ' + total + ' entries (' + first + '–' + last + ')';
      const bad = body.firstFailure;
      if (bad) {
        show(false, '✗ First bad entry: <a href="/entry/' + stream + '/' + bad.sequence + '">#' + bad.sequence + '</a>: ' + text(bad.failure) + (bad.detail ? ' (' + text(bad.detail) + ')' : ''));
        return;
      }
    }
    show(true, '✓ All ' + verified + ' entries verified' + (verified < done ? '; ' + (done - verified) + ' not verifiable with your keys' : '') + '.');
  })();
})();
