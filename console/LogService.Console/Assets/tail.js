// Live tail: once a second, fetch the rows at or after the newest one shown and add the new ones at the top.
// data-ticks counts the seconds, data-polls the fetches started, and each added row's data-poll names the fetch that
// brought it, so a test can count in polls instead of the clock.
(() => {
  const source = document.getElementById('tail-source');
  const body = document.querySelector('#tail tbody');
  const toggle = document.getElementById('tail-toggle');
  const status = document.getElementById('tail-status');
  if (!source || !body) return;
  let since = source.dataset.since;
  let paused = false;
  let busy = false;
  let ticks = 0;
  let polls = 0;

  toggle.addEventListener('click', () => {
    paused = !paused;
    toggle.textContent = paused ? 'Resume' : 'Pause';
    toggle.setAttribute('aria-pressed', String(paused));
    status.textContent = paused ? 'Paused.' : 'Live: new entries appear within 2 seconds.';
  });

  async function poll() {
    source.dataset.ticks = String(++ticks);
    if (paused || busy) return;
    busy = true;
    const current = ++polls;
    source.dataset.polls = String(current);
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
        row.dataset.poll = String(current);
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
