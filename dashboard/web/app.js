// Peer Cycles network dashboard: plain JS, one page per URL, every value from the server's API.
// Chain data (endpoints, addresses, anything a stranger can write) only ever reaches the page as
// text: el() sets textContent, never innerHTML.
'use strict';
(function () {
  const app = document.getElementById('app');
  const statusEl = document.getElementById('status');
  // When each job state first appeared on this page (the bench and the tests read it).
  window.__peerSeen = window.__peerSeen || {};
  window.__peerRenders = 0;

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'href') node.setAttribute('href', safeHref(v));
      else if (k === 'onclick') node.addEventListener('click', v);
      else if (k.startsWith('data-')) node.setAttribute(k, String(v));
      else if (k === 'title' || k === 'type' || k === 'placeholder' || k === 'value' || k === 'id') node.setAttribute(k, String(v));
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      node.appendChild(typeof c === 'object' && c.nodeType ? c : document.createTextNode(String(c)));
    }
    return node;
  }
  // Only our own paths become links.
  function safeHref(v) {
    const s = String(v);
    return s.startsWith('/') && !s.startsWith('//') ? s : '#';
  }
  const short = (a) => (a && a.length > 12 ? a.slice(0, 4) + '…' + a.slice(-4) : String(a || '—'));
  const time = (t) => (t ? new Date(t * 1000).toISOString().replace('T', ' ').slice(0, 19) : '—');
  const pct = (x) => (x === null || x === undefined ? '—' : (x * 100).toFixed(1) + '%');
  const num = (x) => (x === null || x === undefined ? '—' : Number(x).toLocaleString('en-US'));
  const stat = (label, value, sub, key) => el('div', { class: 'card stat', 'data-stat': key }, el('div', { class: 'label' }, label), el('div', { class: 'value', 'data-value': key }, value), sub ? el('div', { class: 'sub' }, sub) : null);
  const tierBadge = (t) => el('span', { class: 'badge ' + t }, t);
  const addrLink = (path, a) => el('a', { href: path + encodeURIComponent(a), class: 'mono', title: a }, short(a));
  const txLink = (sig) => (sig ? el('a', { href: '/tx/' + encodeURIComponent(sig), class: 'mono', title: sig, 'data-tx': sig }, short(sig)) : '—');
  function table(headers, rows, attrs) {
    return el('div', { class: 'table-wrap' }, el('table', attrs || {}, el('thead', {}, el('tr', {}, headers.map((h) => el('th', {}, h)))), el('tbody', {}, rows)));
  }

  async function getJson(url) {
    const res = await fetch(url, { headers: { accept: 'application/json' } });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(body.error || 'HTTP ' + res.status);
    return body;
  }

  // ---- charts (uPlot) ----
  const charts = [];
  function chart(title, data, series, opts) {
    const box = el('div', { class: 'card chart' }, el('div', { class: 'stat' }, el('div', { class: 'label' }, title)));
    const width = () => Math.max(260, Math.min(box.clientWidth || 520, 1100) - 24);
    requestAnimationFrame(() => {
      if (!window.uPlot || data[0].length === 0) {
        box.appendChild(el('p', { class: 'muted' }, 'No data yet.'));
        return;
      }
      const u = new uPlot(
        Object.assign({ width: width(), height: 200, cursor: { drag: { x: false, y: false } }, scales: { x: { time: true } },
          axes: [{ stroke: '#8b949e', grid: { stroke: '#21262d' } }, { stroke: '#8b949e', grid: { stroke: '#21262d' }, size: 56 }],
          series: [{}].concat(series) }, opts || {}),
        data,
        box,
      );
      charts.push({ u, box, width });
    });
    return box;
  }
  window.addEventListener('resize', () => charts.forEach((c) => c.u.setSize({ width: c.width(), height: 200 })));

  // ---- pages ----
  const STATES = ['posted', 'assigned', 'result', 'challenged', 'finalized', 'slashed', 'expired', 'cancelled'];
  async function pageNetwork() {
    const d = await getJson('/api/network');
    const rows = STATES.filter((s) => d.jobsByState[s]).map((s) =>
      el('tr', { 'data-state-row': s }, el('td', {}, s), ['open', 'verified', 'confidential'].map((t) => el('td', { 'data-tier': t }, num(d.jobsByState[s][t] || 0)))),
    );
    const s = d.series;
    return [
      el('h1', {}, 'Network'),
      el('p', { class: 'muted' }, 'Slot ', d.slot, ' · chain time ', time(d.now), ' · ', num(d.workers), ' workers, ', num(d.validators), ' validators'),
      el('div', { class: 'grid' },
        stat('Fees to stakers', d.fees.toStakers.text + ' USDC', 'unswept ' + d.fees.unsweptStakers.text, 'fees-stakers'),
        stat('Fees to treasury', d.fees.toTreasury.text + ' USDC', 'unswept ' + d.fees.unsweptTreasury.text, 'fees-treasury'),
        stat('Jobs finalized', num(d.fees.jobsFinalized), 'USDC volume ' + d.volume.text, 'jobs-finalized'),
        stat('$PEER bonded', d.peer.bondedWorkers.text, 'validators ' + d.peer.bondedValidators.text, 'peer-bonded'),
        stat('$PEER staked', d.peer.staked.text, null, 'peer-staked'),
        stat('$PEER burned', d.peer.burned.text, d.peer.supply ? 'supply ' + d.peer.supply.text : null, 'peer-burned'),
        stat('Open challenges', num(d.openChallenges), null, 'open-challenges'),
        stat('Live jobs', num(d.liveJobs), 'accounts open on chain', 'live-jobs'),
      ),
      el('h2', {}, 'Jobs by state and tier'),
      table(['state', 'open', 'verified', 'confidential'], rows.length ? rows : [el('tr', {}, el('td', {}, 'No jobs yet.'))], { 'data-table': 'jobs-by-state' }),
      el('h2', {}, 'Over time'),
      el('div', { class: 'charts' },
        chart('Jobs (cumulative)', [s.t, s.posted, s.finalized], [
          { label: 'posted', stroke: '#58a6ff', width: 2 },
          { label: 'finalized', stroke: '#3fb950', width: 2 },
        ]),
        chart('USDC volume (cumulative)', [s.t, s.volumeUsdc], [{ label: 'USDC', stroke: '#bc8cff', width: 2, fill: 'rgba(188,140,255,.12)' }]),
      ),
      el('h2', {}, 'Latest transactions'),
      table(['slot', 'time', 'events', 'CU', 'signature'], d.recent.map((t) => el('tr', {}, el('td', {}, num(t.slot)), el('td', {}, time(t.blockTime)), el('td', { class: 'wrap' }, t.events.join(', ') || '—'), el('td', {}, num(t.cu)), el('td', {}, txLink(t.sig))))),
    ];
  }

  const HAPPY = ['posted', 'assigned', 'result', 'challenge window', 'finalized'];
  const DISPUTE = ['posted', 'assigned', 'result', 'challenged', 'votes', 'slashed'];
  function stepsOf(job) {
    const seen = new Set(job.steps.map((s) => s.state));
    const disputed = seen.has('challenged');
    const path = disputed ? DISPUTE.slice(0, 5).concat(job.state === 'upheld' || job.state === 'finalized' ? ['upheld', 'finalized'] : job.state === 'lapsed' ? ['lapsed'] : ['slashed · refunded']) : HAPPY.slice();
    if (job.state === 'expired') path.splice(2, path.length - 2, 'expired');
    if (job.state === 'cancelled') path.splice(1, path.length - 1, 'cancelled');
    const key = (label) => (label === 'challenge window' ? 'result' : label === 'slashed · refunded' ? 'slashed' : label);
    const current = job.state === 'result' ? 'challenge window' : path.find((p) => key(p) === job.state) || job.state;
    const idx = path.indexOf(current);
    return path.map((label, i) => {
      const failed = ['slashed · refunded', 'expired', 'cancelled', 'challenged'].includes(label);
      const cls = 'step' + (i < idx ? ' done' : i === idx ? ' current' : '') + (failed && i <= idx ? ' failed' : '');
      return el('span', { class: cls }, label);
    });
  }
  function jobCard(job) {
    const seenKey = job.job + ':' + job.state;
    if (!window.__peerSeen[seenKey]) window.__peerSeen[seenKey] = performance.timeOrigin + performance.now();
    return el('article', { class: 'card job', 'data-job': job.job, 'data-state': job.state },
      el('header', {}, el('span', { class: 'id', title: job.job }, 'job ' + short(job.job)), job.tier ? tierBadge(job.tier) : null,
        el('span', { class: 'muted' }, job.price !== null && job.price !== undefined ? job.price + ' credits' : 'max ' + (job.maxPrice ?? '—') + ' credits'),
        job.worker ? el('span', { class: 'muted' }, 'worker ', addrLink('/workers/', job.worker)) : null),
      el('div', { class: 'steps' }, stepsOf(job)),
      job.reason ? el('p', { class: 'muted' }, job.reason) : null,
      el('table', { class: 'txs' }, el('tbody', {}, job.steps.map((s) => el('tr', {}, el('td', {}, s.kind), el('td', {}, 'slot ' + num(s.slot)), el('td', {}, s.cu === null ? '' : num(s.cu) + ' CU'), el('td', {}, txLink(s.sig)))))),
    );
  }
  async function pageLive() {
    const d = await getJson('/api/live');
    const out = [el('h1', {}, 'Live workflow'), el('p', { class: 'muted' }, 'Each job as it moves on chain: posted → assigned → result → challenge window → finalized, or challenged → votes → slashed and refunded. Updates arrive as transactions land.')];
    if (d.demo) {
      const note = el('span', { class: 'muted' });
      const btn = el('button', { type: 'button', onclick: async () => {
        btn.disabled = true;
        note.textContent = 'posting through the gateway…';
        try {
          const res = await fetch('/api/demo-job', { method: 'POST' });
          const body = await res.json();
          note.textContent = res.ok ? 'answered in ' + body.ms + ' ms: ' + body.answer : body.error;
        } catch (e) { note.textContent = String(e); }
        btn.disabled = false;
      } }, 'Post a demo job');
      out.push(el('div', { class: 'row' }, btn, note));
    }
    out.push(el('div', { class: 'jobs', id: 'jobs' }, d.jobs.length ? d.jobs.map(jobCard) : el('p', { class: 'muted' }, 'No jobs observed yet.')));
    return out;
  }

  function parts(q) {
    if (!q) return '—';
    return el('div', {}, el('div', { class: 'bar', title: 'score ' + q.score.toFixed(3) }, barSpan(q.score)),
      el('span', { class: 'muted' }, 'score ', q.score.toFixed(3), ' · reliability ', pct(q.reliability), ' · latency ', pct(q.latency), ' · price ', pct(q.price)));
  }
  function barSpan(x) {
    const s = el('span');
    s.style.width = Math.round(Math.max(0, Math.min(1, x)) * 100) + '%';
    return s;
  }
  async function pageWorkers() {
    const d = await getJson('/api/workers');
    const rows = d.workers.map((w, i) => el('tr', { 'data-worker': w.address },
      el('td', {}, String(i + 1)),
      el('td', {}, addrLink('/workers/', w.address), w.paused ? el('span', { class: 'badge bad' }, 'paused') : null),
      el('td', {}, w.tiers.map(tierBadge), w.enclave.kind === 'dev' ? el('span', { class: 'badge dev', 'data-dev': '1' }, 'not hardware-attested') : w.enclave.kind === 'attested' ? el('span', { class: 'badge verified' }, 'attested') : null),
      el('td', { class: 'wrap' }, w.models.map((m) => m.name).join(', ')),
      el('td', { class: 'wrap', 'data-endpoint': '1' }, w.endpoint),
      el('td', {}, Object.keys(w.quality).map((t) => el('div', {}, el('span', { class: 'muted' }, t + ': '), parts(w.quality[t])))),
      el('td', {}, w.activeJobs + ' / ' + w.capacity),
      el('td', { 'data-bond': '1' }, w.bond.text),
      el('td', { 'data-earned': '1' }, w.earned.text),
      el('td', {}, w.challengesWon + ' / ' + w.challengesLost),
    ));
    return [
      el('h1', {}, 'Workers'),
      el('p', { class: 'muted' }, 'Ranked by the matcher\'s quality score (', d.probeNote, '). Price part against the tier\'s latest max price.'),
      table(['#', 'worker', 'tiers', 'models', 'endpoint', 'quality', 'jobs / capacity', 'bond $PEER', 'earned USDC', 'challenges won / lost'], rows.length ? rows : [el('tr', {}, el('td', {}, 'No workers registered.'))], { 'data-table': 'workers' }),
      el('h2', {}, 'Matcher order per model and tier'),
      table(['model', 'tier', 'order (best first)'], d.orders.map((o) => el('tr', {}, el('td', {}, o.modelName), el('td', {}, tierBadge(o.tier)), el('td', {}, o.order.map((w, i) => el('span', {}, (i ? ' › ' : ''), addrLink('/workers/', w.address), ' ' + w.score.toFixed(3))))))),
    ];
  }

  async function pageWorker(address) {
    const d = await getJson('/api/workers/' + encodeURIComponent(address));
    const w = d.worker;
    return [
      el('h1', {}, 'Worker ', el('span', { class: 'mono' }, short(w.address))),
      el('p', { class: 'muted mono' }, w.address),
      el('p', {}, w.tiers.map(tierBadge), w.enclave.kind === 'dev' ? el('span', { class: 'badge dev' }, w.enclave.label) : el('span', { class: 'muted' }, w.enclave.label)),
      el('p', { class: 'muted' }, 'endpoint ', el('span', { class: 'mono', 'data-endpoint': '1' }, w.endpoint)),
      el('div', { class: 'grid' },
        stat('Earned', w.earned.text + ' USDC', 'unclaimed ' + w.unclaimed.text, 'earned'),
        stat('Bond', w.bond.text + ' $PEER', 'unbonding ' + w.unbonding.text, 'bond'),
        stat('Completed', num(w.completed), 'expired ' + w.expired, 'completed'),
        stat('Challenges won / lost', w.challengesWon + ' / ' + w.challengesLost, null, 'challenges'),
        stat('Mean latency', w.meanLatencySlots === null ? '—' : w.meanLatencySlots.toFixed(1) + ' slots', null, 'latency'),
        stat('Capacity', w.activeJobs + ' / ' + w.capacity, w.models.map((m) => m.name).join(', '), 'capacity'),
      ),
      el('h2', {}, 'Daily earnings'),
      el('div', { class: 'charts' }, chart('USDC per day', [d.daily.map((x) => x.t), d.daily.map((x) => x.usdc)], [{ label: 'USDC', stroke: '#3fb950', fill: 'rgba(63,185,80,.35)', width: 1, paths: window.uPlot && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.6, 60] }) : undefined }])),
      el('h2', {}, 'Position in the matcher\'s order'),
      table(['model', 'tier', 'position'], d.positions.map((p) => el('tr', {}, el('td', {}, p.modelName), el('td', {}, tierBadge(p.tier)), el('td', { 'data-position': p.tier }, p.position + ' of ' + p.of)))),
      el('h2', {}, 'Expiries and slashes'),
      table(['kind', 'job', '$PEER', 'reason', 'time', 'tx'], d.incidents.length ? d.incidents.map((x) => el('tr', { 'data-incident': x.kind }, el('td', {}, x.kind), el('td', {}, short(x.job)), el('td', {}, x.amount.text), el('td', { class: 'wrap' }, x.reason), el('td', {}, time(x.blockTime)), el('td', {}, txLink(x.sig)))) : [el('tr', {}, el('td', {}, 'None.'))]),
      el('h2', {}, 'Jobs'),
      table(['job', 'tier', 'price', 'state', 'updated'], d.jobs.map((j) => el('tr', {}, el('td', { class: 'mono' }, short(j.job)), el('td', {}, tierBadge(j.tier || '?')), el('td', {}, j.price ?? '—'), el('td', {}, j.state), el('td', {}, time(j.updatedAt))))),
    ];
  }

  async function pageStaking() {
    const owner = new URLSearchParams(location.search).get('owner') || '';
    const d = await getJson('/api/staking' + (owner ? '?owner=' + encodeURIComponent(owner) : ''));
    const input = el('input', { type: 'text', placeholder: 'wallet address', value: owner });
    const form = el('form', { class: 'row' }, input, el('button', { type: 'submit' }, 'Show position'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      history.pushState(null, '', '/staking?owner=' + encodeURIComponent(input.value.trim()));
      render();
    });
    const p = d.position;
    return [
      el('h1', {}, 'Staking'),
      el('div', { class: 'grid' },
        stat('Total staked', d.totalStaked.text + ' $PEER', num(d.stakers) + ' stakers', 'total-staked'),
        stat('Rewards paid', d.rewardsDistributed.text + ' USDC', 'claimed ' + d.rewardsClaimed.text, 'rewards'),
        stat('Stakers\' fees, 24 h', d.fees24h.text + ' USDC', null, 'fees-24h'),
        stat('Implied APR', d.apr === null ? '—' : (d.apr * 100).toFixed(2) + '%', null, 'apr'),
      ),
      el('p', { class: 'muted' }, 'APR: ', d.aprBasis, '.'),
      el('h2', {}, 'A staker\'s position'),
      form,
      p ? el('div', { class: 'grid', 'data-position': p.owner },
        stat('Active', p.active.text + ' $PEER', (p.shareBps / 100).toFixed(2) + '% of the pool', 'position-active'),
        stat('Cooling', p.cooling.text + ' $PEER', p.withdrawableIn === null ? null : 'withdrawable in ' + p.withdrawableIn + ' s', 'position-cooling'),
        stat('Claimable', p.claimable.text + ' USDC', 'claimed so far ' + p.claimed.text, 'position-claimable'),
      ) : null,
      p && !p.exists ? el('p', { class: 'muted' }, 'This wallet has no stake.') : null,
    ];
  }

  async function pageDisputes() {
    const d = await getJson('/api/disputes');
    return [
      el('h1', {}, 'Validators and disputes'),
      el('h2', {}, 'Challenges'),
      d.challenges.length ? el('div', { class: 'jobs' }, d.challenges.map((c) => el('article', { class: 'card', 'data-challenge': c.challenge, 'data-outcome': c.outcome },
        el('header', { class: 'row' }, el('strong', {}, 'challenge ', short(c.challenge)), el('span', { class: 'badge ' + (c.outcome === 'open' ? 'verified' : /challenger/i.test(c.outcome) ? 'bad' : 'open') }, c.outcome),
          el('span', { class: 'muted' }, 'job ', short(c.job), ' · worker ', c.worker ? addrLink('/workers/', c.worker) : '—')),
        el('p', { class: 'muted' }, 'votes committed ', num(c.commits), ' · revealed ', num(c.reveals), ' · for the challenger ', num(c.forChallenger), ' · for the worker ', num(c.forWorker),
          c.slashed ? ' · slashed ' + c.slashed.text + ' $PEER, burned ' + c.burned.text + ', challenger reward ' + c.challengerReward.text : ''),
        table(['validator', 'committed', 'revealed', 'weight', 'reward', 'penalty'], c.votes.map((v) => el('tr', {}, el('td', { class: 'mono' }, short(v.validator)), el('td', {}, txLink(v.committedSig)), el('td', {}, txLink(v.revealedSig)), el('td', {}, num(v.weight)), el('td', {}, num(v.reward)), el('td', {}, num(v.penalty))))),
        el('p', { class: 'muted' }, 'opened ', txLink(c.openSig), c.resolveSig ? el('span', {}, ' · resolved ', txLink(c.resolveSig)) : null),
      ))) : el('p', { class: 'muted' }, 'No challenges yet.'),
      el('h2', {}, 'Validators'),
      table(['validator', 'bond $PEER', 'locked', 'won', 'lost', 'votes revealed', 'open votes'], d.validators.map((v) => el('tr', { 'data-validator': v.address }, el('td', { class: 'mono', title: v.address }, short(v.address)), el('td', {}, v.bond.text), el('td', {}, v.locked.text), el('td', {}, v.won), el('td', {}, v.lost), el('td', {}, v.votesRevealed), el('td', {}, num(v.openVotes))))),
    ];
  }

  async function pageTx(sig) {
    const d = await getJson('/api/tx/' + encodeURIComponent(sig));
    return [
      el('h1', {}, 'Transaction'),
      el('p', { class: 'mono' }, d.sig),
      el('div', { class: 'grid' }, stat('Slot', num(d.slot), null, 'slot'), stat('Time', time(d.blockTime), null, 'time'), stat('Compute units', num(d.cu), null, 'cu'), stat('Fee', num(d.fee) + ' lamports', d.err ? 'failed: ' + d.err : 'succeeded', 'fee')),
      el('h2', {}, 'Events'),
      el('pre', {}, d.events.map((e) => e.name + ' ' + JSON.stringify(e.data, null, 1)).join('\n\n') || 'none'),
      el('h2', {}, 'Logs'),
      el('pre', {}, d.logs.join('\n')),
    ];
  }

  // ---- router ----
  let rendering = null;
  let pending = false;
  async function render() {
    if (rendering) { pending = true; return rendering; }
    rendering = (async () => {
      do {
        pending = false;
        const path = location.pathname;
        document.querySelectorAll('nav a').forEach((a) => a.classList.toggle('active', a.getAttribute('data-nav') === (path.startsWith('/workers') ? '/workers' : path)));
        let nodes;
        try {
          if (path === '/') nodes = await pageNetwork();
          else if (path === '/live') nodes = await pageLive();
          else if (path === '/workers') nodes = await pageWorkers();
          else if (path.startsWith('/workers/')) nodes = await pageWorker(decodeURIComponent(path.slice(9)));
          else if (path === '/staking') nodes = await pageStaking();
          else if (path === '/disputes') nodes = await pageDisputes();
          else if (path.startsWith('/tx/')) nodes = await pageTx(decodeURIComponent(path.slice(4)));
          else nodes = [el('h1', {}, 'Not found')];
        } catch (e) {
          nodes = [el('p', { class: 'error' }, 'Could not load: ', e.message)];
        }
        charts.length = 0;
        app.replaceChildren(...nodes);
        window.__peerRenders++;
      } while (pending);
      rendering = null;
    })();
    return rendering;
  }
  document.addEventListener('click', (e) => {
    const a = e.target.closest && e.target.closest('a');
    if (!a || e.ctrlKey || e.metaKey || e.shiftKey) return;
    const href = a.getAttribute('href');
    if (!href || !href.startsWith('/') || href.startsWith('/assets')) return;
    e.preventDefault();
    history.pushState(null, '', href);
    render();
  });
  window.addEventListener('popstate', render);

  // ---- live updates ----
  let timer = null;
  function connect() {
    const es = new EventSource('/api/stream');
    es.addEventListener('hello', () => { statusEl.textContent = 'live'; statusEl.classList.add('live'); });
    es.addEventListener('tx', () => {
      clearTimeout(timer);
      timer = setTimeout(render, location.pathname === '/live' ? 30 : 250);
    });
    es.onerror = () => { statusEl.textContent = 'reconnecting…'; statusEl.classList.remove('live'); };
  }
  render();
  connect();
})();
