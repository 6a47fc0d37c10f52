// xxgk serve --library: the evaluator's dashboard. Views come from /api/library/view/NAME as a titled
// table with its chart's numbers; charts are Apache ECharts (vendor/, served from the package), their
// tooltips plain text (no inline styles: the page's CSP allows none). Routes live in the hash:
// #/overview?year=2024, #/organ?id=3, #/report?id=7&v=2.
"use strict";

const D = { me: null, choices: null, format: null, charts: [] };
const $ = (id) => document.getElementById(id);
const VIEW_NAMES = { overview: "总览", matrix: "机关×年度", ranking: "排名", trends: "趋势", heatmap: "地区热力图" };
const FILTERS = ["year", "region", "organ_type", "rule", "dismissed", "by", "figure"];
const DEFAULTS = { by: "region", figure: "new" };
const ACTIONS = { confirmed: "确认", dismissed: "排除", rectified: "已整改" };

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(path) {
  const response = await fetch(path, { credentials: "same-origin" });
  if (response.status === 401) {
    location.href = "/login";
    throw new ApiError(401, "请先登录。");
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, data.message || `请求失败（${response.status}）。`);
  return data;
}

async function post(path, fields) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  const response = await fetch(path, { method: "POST", body: form, headers: { "X-CSRF-Token": D.me.csrf } });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, data.message || `请求失败（${response.status}）。`);
  return data;
}

// ------------------------------------------------------------------ routes and filters

function parseHash() {
  const [path, query] = (location.hash.replace(/^#\/?/, "") || "overview").split("?");
  return { name: path || "overview", params: new URLSearchParams(query || "") };
}

function go(name, params) {
  const query = params.toString();
  location.hash = `#/${name}${query ? "?" + query : ""}`;
}

function filterParams() {
  const form = $("filters");
  const params = new URLSearchParams();
  for (const name of FILTERS) {
    const input = form.elements[name];
    if (input.type === "checkbox") {
      if (input.checked) params.set(name, "1");
    } else if (input.value && input.value !== DEFAULTS[name]) params.set(name, input.value);
  }
  return params;
}

function setFilters(params) {
  const form = $("filters");
  for (const name of FILTERS) {
    const input = form.elements[name];
    if (input.type === "checkbox") input.checked = params.get(name) === "1";
    else input.value = params.get(name) || DEFAULTS[name] || "";
  }
}

function fillChoices() {
  const form = $("filters");
  const add = (select, items) => {
    for (const [value, text] of items) select.append(el("option", { value, text }));
  };
  add(form.elements.year, D.choices.years.map((y) => [String(y), `${y}年`]));
  add(form.elements.region, D.choices.regions.map((r) => [r, "\u3000".repeat(r.split("/").length - 1) + r.split("/").pop()]));
  add(form.elements.organ_type, D.choices.organ_types.map((t) => [t, t]));
  add(form.elements.rule, D.choices.rules.map((r) => [r.id, `${r.id} ${r.title}`]));
  form.addEventListener("change", () => {
    const { name } = parseHash();
    const params = filterParams();
    go(name in VIEW_NAMES ? name : "overview", params);
  });
}

async function route() {
  const { name, params } = parseHash();
  for (const a of document.querySelectorAll(".tabs a")) {
    a.classList.toggle("active", a.dataset.view === name);
    a.href = `#/${a.dataset.view}${filterQuery(params)}`;
  }
  setFilters(params);
  $("by-box").hidden = name !== "ranking" && name !== "trends";
  $("figure-box").hidden = name !== "trends";
  $("filters-box").hidden = !(name in VIEW_NAMES);
  disposeCharts();
  const content = $("content");
  content.replaceChildren(el("p", { class: "status", text: "正在载入…" }));
  try {
    if (name in VIEW_NAMES) await showView(name, params);
    else if (name === "organ") await showOrgan(params.get("id"));
    else if (name === "report") await showReport(params.get("id"), params.get("v"));
    else content.replaceChildren(el("p", { class: "status bad", text: "没有这个页面。" }));
  } catch (error) {
    const text = error.status === 404 ? "没有找到：不存在，或不在您的账号可查看的地区范围内。" : error.message;
    content.replaceChildren(el("p", { class: "status bad", text }));
  }
  document.body.dataset.ready = "true";
}

function filterQuery(params) {
  const kept = new URLSearchParams();
  for (const name of FILTERS) if (params.get(name)) kept.set(name, params.get(name));
  const query = kept.toString();
  return query ? "?" + query : "";
}

// ------------------------------------------------------------------ a view: title, chart, table, export

async function showView(name, params) {
  const data = await api(`/api/library/view/${name}?${params}`);
  document.title = `${VIEW_NAMES[name]} · 报告库看板`;
  const parts = [el("h2", { text: data.title }), exportLinks(name, params)];
  if (name === "overview") parts.push(...overviewExtras(data));
  if (data.chart && data.rows.length) parts.push(chartBox(data.chart, data.title, name === "ranking" || name === "heatmap"));
  if (name === "trends" && data.rows.length) parts.push(el("h3", { text: data.groups_chart.title }), chartBox(data.groups_chart, data.groups_chart.title, false));
  if (name === "ranking") parts.push(el("p", { class: "note", text: `样本不足：少于 ${data.minimum} 份报告的单列在表末，不排名次（参加排名 ${data.ranked} 个）。` }));
  if (name === "matrix") parts.push(matrixNote(data), pager(data, params));
  parts.push(viewTable(data, name));
  if (!data.rows.length) parts.push(el("p", { class: "status", text: "没有符合筛选条件的报告。" }));
  $("content").replaceChildren(...parts);
  drawCharts();
}

function exportLinks(name, params) {
  const query = params.toString() ? `?${params}` : "";
  return el(
    "div",
    { class: "actions" },
    el("a", { class: "button", href: `/api/library/export/${name}.xlsx${query}`, download: "", text: "导出 Excel（.xlsx）" }),
    el("a", { class: "button plain", href: `/api/library/export/${name}.csv${query}`, download: "", text: "导出 CSV" }),
  );
}

function overviewExtras(data) {
  const rules = el("tbody");
  for (const r of data.rules) {
    rules.append(el("tr", {}, el("td", { text: r.rule }), el("td", { text: r.title }), el("td", { class: "num", text: String(r.reports) }), el("td", { class: "num", text: String(r.findings) })));
  }
  const head = el("thead", {}, el("tr", {}, ...["规则", "说明", "涉及报告", "问题数"].map((t) => el("th", { scope: "col", text: t }))));
  const bands = { kind: "bar", x: data.bands.map((b) => b.band), series: [{ name: "报告数", data: data.bands.map((b) => b.count) }] };
  return [
    el("p", { class: "note", text: `名录中的机关 ${data.organs} 个；“缺报”为名录中该年没有报告的机关数。` }),
    el(
      "div",
      { class: "bands" },
      el("div", {}, el("h3", { text: "得分分布" }), chartBox(bands, "得分分布", false)),
      el("div", {}, el("h3", { text: "最常不通过的规则" }), el("div", { class: "scroll" }, el("table", { class: "view rules" }, head, rules))),
    ),
  ];
}

function matrixNote(data) {
  return el("p", { class: "note", text: `共 ${data.total} 个机关；绿色为通过，红色为有错误，灰色为无法读取，斜纹“缺报”为名录中的机关该年没有报告。点机关名或单元格查看详情。` });
}

function pager(data, params) {
  if (data.pages <= 1) return el("span");
  const link = (page, text) => {
    const p = new URLSearchParams(params);
    p.set("page", page);
    return el("a", { href: `#/matrix?${p}`, text });
  };
  return el(
    "div",
    { class: "pager" },
    data.page > 1 ? link(data.page - 1, "上一页") : null,
    el("span", { text: `第 ${data.page} / ${data.pages} 页` }),
    data.page < data.pages ? link(data.page + 1, "下一页") : null,
  );
}

function viewTable(data, name) {
  const head = el("thead", {}, el("tr", {}, ...data.columns.map((c) => el("th", { scope: "col", text: c }))));
  const body = el("tbody");
  data.rows.forEach((row, i) => {
    const tr = el("tr");
    row.forEach((value, j) => tr.append(viewCell(data, name, i, j, value)));
    if (name === "ranking" && row[0] === "样本不足") tr.className = "apart";
    body.append(tr);
  });
  return el("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": data.title }, el("table", { class: `view ${name}` }, head, body));
}

function viewCell(data, name, i, j, value) {
  const text = value === null || value === undefined ? "" : String(value);
  if (name === "matrix") {
    const mark = data.marks[i];
    if (j === 0) return el("td", {}, el("a", { href: `#/organ?id=${mark.organ}`, text }));
    if (j >= 3) {
      const cell = mark.cells[j - 3];
      const td = el("td", { class: `cell ${cell.status}` });
      if (cell.report) td.append(el("a", { href: `#/report?id=${cell.report}`, text }));
      else td.textContent = text;
      return td;
    }
  }
  if (name === "ranking" && j === 1 && data.organs && data.organs[i]) {
    return el("td", {}, el("a", { href: `#/organ?id=${data.organs[i]}`, text }));
  }
  return el("td", { class: typeof value === "number" ? "num" : null, text });
}

// ------------------------------------------------------------------ charts (ECharts)

const PALETTE = ["#0b5cad", "#b42318", "#1a7f37", "#8a5300", "#6e40c9", "#0a7b83"];

function chartBox(chart, title, tall) {
  const box = el("div", { class: `chart${tall ? " tall" : ""}`, role: "img", "aria-label": `${title}（图表；数字见下表）` });
  box.chartSpec = chart;
  return box;
}

function tipText(params) {
  const list = Array.isArray(params) ? params : [params];
  const head = list[0].axisValueLabel || list[0].name || "";
  const lines = list.map((p) => {
    const value = Array.isArray(p.value) ? p.value[2] : p.value;
    return `${escapeText(p.seriesName)}：${value === null || value === undefined ? "—" : value}`;
  });
  return [escapeText(head), ...lines].join("<br>");
}

function escapeText(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function chartOption(spec) {
  const tooltip = { trigger: "axis", formatter: tipText, className: "chart-tip", confine: true };
  const base = { color: PALETTE, animation: false, grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true } };
  if (spec.kind === "heatmap") {
    return {
      ...base,
      tooltip: { ...tooltip, trigger: "item", formatter: (p) => `${escapeText(spec.y[p.value[1]])} ${escapeText(spec.x[p.value[0]])}年<br>有错误的报告：${p.value[2]}%（共 ${p.value[3]} 份）` },
      xAxis: { type: "category", data: spec.x, splitArea: { show: true } },
      yAxis: { type: "category", data: spec.y, splitArea: { show: true }, inverse: true },
      visualMap: { min: 0, max: 100, dimension: 2, calculable: true, orient: "horizontal", left: "center", top: 0, inRange: { color: ["#e6f4ea", "#fff3cd", "#fde8e6", "#b42318"] } },
      grid: { ...base.grid, top: 56 },
      series: [{ name: "有错误的报告（%）", type: "heatmap", data: spec.data, label: { show: true, formatter: (p) => `${p.value[2]}` } }],
    };
  }
  if (spec.kind === "hbar") {
    return {
      ...base,
      tooltip,
      xAxis: { type: "value", min: 0, max: 100 },
      yAxis: { type: "category", data: spec.x, inverse: true },
      series: spec.series.map((s) => ({ name: s.name, type: "bar", data: s.data, barMaxWidth: 36, label: { show: true, position: "right" } })),
    };
  }
  const lines = spec.kind === "lines";
  const twoAxes = spec.series.some((s) => s.axis === 1);
  const axes = twoAxes ? [{ type: "value", name: "件" }, { type: "value", name: "%", min: 0, max: 100 }] : [{ type: "value" }];
  return {
    ...base,
    grid: { ...base.grid, top: lines ? 64 : 40 },
    tooltip,
    legend: { top: 0, type: "scroll" },
    xAxis: { type: "category", data: spec.x },
    yAxis: axes,
    series: spec.series.map((s) => ({
      name: s.name,
      type: lines ? "line" : "bar",
      data: s.data,
      yAxisIndex: s.axis || 0,
      barMaxWidth: 64,
      symbolSize: 8,
      connectNulls: false,
    })),
  };
}

function drawCharts() {
  for (const box of document.querySelectorAll(".chart")) {
    const chart = echarts.init(box, null, { renderer: "canvas" });
    chart.setOption(chartOption(box.chartSpec));
    D.charts.push(chart);
  }
}

function disposeCharts() {
  for (const chart of D.charts) chart.dispose();
  D.charts = [];
}

// ------------------------------------------------------------------ drill-down: organ, report

async function showOrgan(id) {
  const data = await api(`/api/library/organ/${encodeURIComponent(id)}`);
  document.title = `${data.organ.name} · 报告库看板`;
  const table = viewTable(data, "organ");
  table.querySelectorAll("tbody tr").forEach((tr, i) => {
    const first = tr.firstChild;
    first.replaceChildren(el("a", { href: `#/report?id=${data.reports[i]}`, text: first.textContent }));
  });
  $("content").replaceChildren(
    el("p", { class: "crumbs" }, el("a", { href: "#/matrix", text: "机关×年度" }), ` › ${data.organ.region || "地区未知"}`),
    el("h2", { text: data.title }),
    el("p", { class: "note", text: `${data.organ.organ_type || "类型未知"}；点年度查看该年报告及其问题。` }),
    chartBox(data.trend, `${data.organ.name} 主要数字`, false),
    table,
  );
  drawCharts();
}

async function showReport(id, version) {
  const query = version ? `?version=${encodeURIComponent(version)}` : "";
  const data = await api(`/api/library/report/${encodeURIComponent(id)}${query}`);
  document.title = `${data.title} · 报告库看板`;
  const v = data.version;
  const original = v.is_url
    ? el("a", { href: v.source, rel: "noreferrer noopener", target: "_blank", text: "打开原网页" })
    : el("a", { href: `/api/library/original/${v.id}`, text: "下载入库的原始文件" });
  const versions = el("p", { class: "note" }, "版本：", ...data.versions.flatMap((x, i) => [
    i ? "　" : "",
    x.number === v.number ? el("strong", { text: `第 ${x.number} 版（${x.status}）` }) : el("a", { href: `#/report?id=${data.report}&v=${x.number}`, text: `第 ${x.number} 版（${x.status}）` }),
  ]));
  const c = data.counts;
  const counts = el(
    "div",
    { class: "counts" },
    el("div", { text: `错误 ${c.errors}（未排除 ${c.open_errors}）` }),
    el("div", { text: `警告 ${c.warnings}（未排除 ${c.open_warnings}）` }),
    el("div", { text: `得分 ${c.score}（计入已排除：${c.score_all}）` }),
  );
  const findings = el("div", { id: "findings" }, ...ordered(data.findings).map((f) => findingCard(f, data)));
  $("content").replaceChildren(
    el("p", { class: "crumbs" }, el("a", { href: `#/organ?id=${data.organ.id}`, text: data.organ.name }), ` › ${data.year}年`),
    el("h2", { text: data.title }),
    el("p", { class: "note" }, `文件：${v.file}　成文日期：${v.published_on || "未知"}　入库：${v.added_at}　`, original),
    versions,
    counts,
    el("h3", { text: `问题（${data.findings.length}）` }),
    data.findings.length ? findings : el("p", { class: "status ok", text: "这一版没有检查出问题。" }),
    el("h3", { text: "三张统计表（标出的单元格即问题所在）" }),
    el("div", { class: "drawn" }, ...drawReportTables(data)),
  );
}

function findingCard(f, data) {
  const card = el("article", { class: `finding ${f.severity} ${f.state}`, id: `f${f.id}`, "data-finding": f.id });
  const rule = (D.choices.rules.find((r) => r.id === f.rule) || {}).title || "";
  card.append(
    el("h3", {}, `${LEVEL[f.severity] || f.severity}　${f.rule}${rule ? " " + rule : ""}`, el("span", { class: `state ${f.state}`, text: f.state_name })),
    el("p", { class: "where", text: `位置：${placeOf(f)}` }),
    el("p", { text: f.message }),
  );
  if (f.quote) card.append(el("blockquote", { text: f.quote }));
  if (f.field && D.tableKeys.has(f.field)) {
    card.append(el("p", {}, el("button", { type: "button", class: "link to-cell", "data-key": f.field, text: "在表格中查看该单元格" })));
  }
  if (f.again) card.append(el("p", { class: "note", text: "上一版本审核过这个问题，新版本仍有，请重新审核。" }));
  if (f.rectified_in) card.append(el("p", { class: "note", text: `第 ${f.rectified_in} 版已不再有这个问题。` }));
  if (D.me.may_review) card.append(reviewForm(f, data));
  if (f.history.length) {
    card.append(el("details", { class: "history-box" }, el("summary", { text: `审核记录（${f.history.length}）` }), el("ol", { class: "history" }, ...f.history.map((h) => el("li", { text: `第 ${h.version} 版：${h.action_name}，${h.by}，${h.at}${h.note ? "，理由：" + h.note : ""}` })))));
  }
  return card;
}

// Where a finding is: the position as printed (表三!D31, 第2页…); a bare field path (a JSON source)
// as the format's words for that field.
function placeOf(f) {
  const bare = !f.position || f.position === f.field || f.position.endsWith(`.${f.field}`);
  if (bare && f.field && D.format.values[f.field]) return D.format.values[f.field];
  if (bare && f.field.startsWith("sections.")) {
    const [, key, paragraph] = f.field.split(".");  // sections.problems, or sections.problems.2
    const heading = D.format.sections[key] || "正文";
    return /^\d+$/.test(paragraph || "") ? `${heading} 第 ${Number(paragraph) + 1} 段` : heading;
  }
  return f.position || f.field || "全文";
}

function reviewForm(f, data) {
  const note = el("input", { name: "note", maxlength: "2000", placeholder: "理由或说明（排除时必填）", "aria-label": "理由或说明" });
  const status = el("span", { class: "status", role: "status" });
  const form = el("form", { class: "review-form" }, note);
  for (const [action, text] of Object.entries(ACTIONS)) {
    form.append(el("button", { type: "button", class: `small ${action === "dismissed" ? "zip" : ""}`, "data-action": action, text }));
  }
  form.append(status);
  form.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    if (button.dataset.action === "dismissed" && !note.value.trim()) {
      status.textContent = "排除须写明理由。";
      status.className = "status bad";
      note.focus();
      return;
    }
    button.disabled = true;
    try {
      await post("/api/library/review", { finding: f.id, action: button.dataset.action, note: note.value });
      const fresh = await api(`/api/library/report/${data.report}?version=${data.version.number}`);
      const found = fresh.findings.find((x) => x.id === f.id);
      document.getElementById(`f${f.id}`).replaceWith(findingCard(found, fresh));
    } catch (error) {
      status.textContent = error.message;
      status.className = "status bad";
      button.disabled = false;
    }
  });
  form.addEventListener("submit", (event) => event.preventDefault());
  return form;
}

function drawReportTables(data) {
  const result = {
    values: data.values,
    findings: data.findings
      .filter((f) => f.state !== "dismissed")
      .map((f) => ({ ...f, location: placeOf(f), actual: "" })),
  };
  const byField = {};
  for (const f of ordered(result.findings)) if (f.field) (byField[f.field] = byField[f.field] || []).push(f);
  const related = new Set(); // the library keeps no related cells: only the flagged ones are marked
  return D.format.tables.map((table) => {
    const flagged = table.cells.some((c) => c.key && byField[c.key]);
    const details = el("details", { class: "table", open: flagged || null });
    details.append(el("summary", { text: `${table.name}　${table.caption}${flagged ? "（有标出的单元格）" : ""}` }));
    details.append(drawTable(table, result, byField, related, "r"));
    return details;
  });
}

function jumpToCell(event) {
  const link = event.target.closest("button.to-cell");
  if (!link) return;
  const cell = document.getElementById(cellId("r", link.dataset.key));
  if (!cell) return;
  for (let d = cell.closest("details"); d; d = d.parentElement.closest("details")) d.open = true;
  showCell(cell);
}

// ------------------------------------------------------------------ start

async function start() {
  try {
    D.me = await api("/api/library/me");
  } catch (error) {
    if (error.status !== 401) $("content").replaceChildren(el("p", { class: "status bad", text: error.message }));
    return;
  }
  [D.choices, D.format] = await Promise.all([api("/api/library/choices"), api("/api/format")]);
  D.tableKeys = new Set(D.format.tables.flatMap((t) => t.cells.filter((c) => c.key).map((c) => c.key)));
  const region = D.me.user.region ? `，只看 ${D.me.user.region}` : "";
  $("who").textContent = `${D.me.user.name}（${D.me.user.role_name}${region}）`;
  if (D.me.login) {
    $("logout").hidden = false;
    $("logout").addEventListener("click", async () => {
      await post("/api/library/logout", {});
      location.href = "/login";
    });
  }
  fillChoices();
  $("content").addEventListener("click", jumpToCell);
  window.addEventListener("hashchange", route);
  window.addEventListener("resize", () => D.charts.forEach((c) => c.resize()));
  await route();
}

start();
