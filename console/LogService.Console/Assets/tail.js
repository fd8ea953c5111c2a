// Live tail: once a second, fetch the rows at or after the newest one shown and add the new ones at the top.
(() => {
  const source = document.getElementById('tail-source');
  const body = document.querySelector('#tail tbody');
  const toggle = document.getElementById('tail-toggle');
  const status = document.getElementById('tail-status');
  if (!source || !body) return;
  let since = source.dataset.since;
  let paused = false;
  let busy = false;

  toggle.addEventListener('click', () => {
    paused = !paused;
    toggle.textContent = paused ? 'Resume' : 'Pause';
    toggle.setAttribute('aria-pressed', String(paused));
    status.textContent = paused ? 'Paused.' : 'Live: new entries appear within 2 seconds.';
  });

  async function poll() {
    if (paused || busy) return;
    busy = true;
    try {
      const url = source.dataset.rows + (source.dataset.rows.includes('?') ? '&' : '?') + 'since=' + encodeURIComponent(since);
      const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
      if (!response.ok) {
        status.textContent = response.status === 401 ? 'Signed out: reload the page to sign in again.' : 'The log service did not answer: ' + (await response.text());
        return;
      }
      const template = document.createElement('template');
      template.innerHTML = '<table><tbody>' + await response.text() + '</tbody></table>';
      const rows = [...template.content.querySelectorAll('tr[data-key]')].reverse();
      let added = 0;
      for (const row of rows) {
        if (body.querySelector('tr[data-key="' + CSS.escape(row.dataset.key) + '"]')) continue;
        body.prepend(row);
        added++;
        if (new Date(row.dataset.time) > new Date(since)) since = row.dataset.time;
      }
      if (added > 0) status.textContent = added + ' new ' + (added === 1 ? 'entry' : 'entries') + '.';
    } catch {
      status.textContent = 'The console cannot be reached; retrying.';
    } finally {
      busy = false;
    }
  }

  setInterval(poll, 1000);
})();
