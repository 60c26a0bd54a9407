// Flow operator dashboard: polls the REST API every few seconds and draws the lag chart on a canvas.
'use strict';

const KEY_STORAGE = 'flow-api-key';
const POLL_MS = 5000;
const HISTORY_MINUTES = 60;
const COLOURS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be185d', '#4d7c0f'];

const byId = (id) => document.getElementById(id);

async function callApi(path) {
  const response = await fetch(`/api/v1${path}`, { headers: { 'x-api-key': sessionStorage.getItem(KEY_STORAGE) ?? '' } });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) {
    sessionStorage.removeItem(KEY_STORAGE);
    showLogin(body.error?.message ?? 'The API key was rejected.');
    throw new Error('unauthorized');
  }
  if (!response.ok) throw new Error(body.error?.message ?? `GET ${path} failed with HTTP ${response.status}`);
  return body;
}

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function fillTable(id, rows) {
  const body = byId(id).querySelector('tbody');
  body.replaceChildren(
    ...rows.map((cells) => {
      const tr = document.createElement('tr');
      tr.append(...cells);
      return tr;
    }),
  );
}

function formatTime(iso) {
  return iso ? new Date(iso).toLocaleTimeString() : '-';
}

function drawChart(groups) {
  const canvas = byId('lag-chart');
  const context = canvas.getContext('2d');
  const width = canvas.width;
  const height = canvas.height;
  const left = 60;
  const bottom = height - 24;
  const top = 10;
  const right = width - 10;
  context.clearRect(0, 0, width, height);

  const now = Date.now();
  const start = now - HISTORY_MINUTES * 60_000;
  const maxLag = Math.max(1, ...groups.flatMap((group) => group.points.map((point) => point.totalLagMessages)));
  const x = (time) => left + ((time - start) / (now - start)) * (right - left);
  const y = (lag) => bottom - (lag / maxLag) * (bottom - top);

  // Axes with a few labels.
  context.strokeStyle = '#9ca3af';
  context.fillStyle = '#4b5563';
  context.font = '11px system-ui, sans-serif';
  context.beginPath();
  context.moveTo(left, top);
  context.lineTo(left, bottom);
  context.lineTo(right, bottom);
  context.stroke();
  for (const fraction of [0, 0.5, 1]) {
    context.fillText(String(Math.round(maxLag * fraction)), 4, y(maxLag * fraction) + 4);
  }
  for (const minutesAgo of [60, 45, 30, 15, 0]) {
    context.fillText(minutesAgo === 0 ? 'now' : `-${minutesAgo} min`, x(now - minutesAgo * 60_000) - 14, height - 6);
  }

  let points = 0;
  groups.forEach((group, index) => {
    context.strokeStyle = COLOURS[index % COLOURS.length];
    context.fillStyle = context.strokeStyle;
    context.lineWidth = 2;
    context.beginPath();
    group.points.forEach((point, pointIndex) => {
      const px = x(Date.parse(point.sampledAt));
      const py = y(point.totalLagMessages);
      if (pointIndex === 0) context.moveTo(px, py);
      else context.lineTo(px, py);
      points += 1;
    });
    context.stroke();
    // A dot on the newest point keeps a single sample visible.
    const last = group.points.at(-1);
    if (last) context.fillRect(x(Date.parse(last.sampledAt)) - 2, y(last.totalLagMessages) - 2, 5, 5);
  });
  canvas.dataset.series = String(groups.length);
  canvas.dataset.points = String(points);

  byId('legend').replaceChildren(
    ...groups.map((group, index) => {
      const span = document.createElement('span');
      const swatch = document.createElement('i');
      swatch.style.background = COLOURS[index % COLOURS.length];
      span.append(swatch, group.groupId);
      return span;
    }),
  );
}

async function refreshLag() {
  const [history, latest] = await Promise.all([callApi(`/streams/lag/history?minutes=${HISTORY_MINUTES}`), callApi('/streams/lag')]);
  drawChart(history.groups);
  fillTable(
    'lag-table',
    latest.groups.map((group) => [
      cell(group.groupId),
      cell(group.state),
      cell(group.status, `status-${group.status}`),
      cell(String(group.members.length)),
      cell(String(group.totalLagMessages)),
      cell(group.maxLagSeconds === null ? '-' : group.maxLagSeconds.toFixed(1)),
    ]),
  );
}

async function refreshPipelines() {
  const { pipelines } = await callApi('/pipelines?limit=20');
  const lastRuns = await Promise.all(pipelines.map((pipeline) => callApi(`/pipelines/${pipeline.id}/runs?limit=1`).then((body) => body.runs[0])));
  fillTable(
    'pipelines',
    pipelines.map((pipeline, index) => {
      const run = lastRuns[index];
      return [cell(pipeline.name), cell(run ? run.status : 'never run', run ? `status-${run.status}` : 'muted'), cell(formatTime(run?.finishedAt))];
    }),
  );
}

async function refreshAlerts() {
  const { alerts } = await callApi('/system-health?alerts=15');
  fillTable(
    'alerts',
    alerts.map((alert) => [cell(formatTime(alert.createdAt)), cell(alert.resolvedAt && alert.severity !== 'info' ? `${alert.severity} (resolved)` : alert.severity, `status-${alert.severity}`), cell(alert.message)]),
  );
}

async function refreshAll() {
  const results = await Promise.allSettled([refreshLag(), refreshPipelines(), refreshAlerts()]);
  const failures = results.filter((result) => result.status === 'rejected' && result.reason.message !== 'unauthorized');
  byId('error').textContent = failures.map((failure) => failure.reason.message).join('; ');
  byId('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
}

let timer = null;

function showLogin(message) {
  clearInterval(timer);
  timer = null;
  byId('dashboard').hidden = true;
  byId('login').hidden = false;
  byId('login-error').textContent = message ?? '';
}

function showDashboard() {
  byId('login').hidden = true;
  byId('dashboard').hidden = false;
  void refreshAll();
  timer = setInterval(() => void refreshAll(), POLL_MS);
}

byId('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(KEY_STORAGE, byId('api-key').value.trim());
  showDashboard();
});

if (sessionStorage.getItem(KEY_STORAGE)) showDashboard();
else showLogin();
