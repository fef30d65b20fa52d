// A Plotly chart that stays mounted: created once, then changed in place with Plotly.react.
//
// Streamlit calls this function on the first mount and again whenever the element's data (or the app's
// theme) changes, always with the same parentElement. The chart's state lives on that element:
//   rev     the revision of the figure this browser holds
//   data    its traces, layout its layout (plain objects: a patch is applied to them, then drawn once)
// A message is one of (rnnplay's app_pages/ui/live_chart.py builds them):
//   {rev, figure: {data, layout}}          a whole figure: a new chart, task, language or run
//   {rev, base, patch: {traces, layout}}   what changed since revision `base`: appended points
//                                          ({"+": [...]} appended to an array, or {"at": n, "+": [...]}
//                                          after its first n items), replaced values, null = removed
//   {rev}                                  nothing changed since revision rev
// A patch on another base than the one held (a missed message, a remount) is not applied: the chart
// asks Python for the whole figure through the "resync" trigger and keeps showing what it has.
//
// A message may name a feed ({url, key, every}: app_pages/ui/live_feed.py): while the view is live, the
// page polls that URL every `every` seconds with the revisions its charts hold, and applies the messages
// that come back in the same way, with no script run. One poll serves every chart of the feed. A chart fed
// so needs no resync trigger: its next poll says which revision it holds, and a mismatch brings the whole
// figure. The status line ({rev, status: {text, fraction}}) and a box of words ({rev, words: html}, made and
// escaped by Python) are fed the same way; when a poll says the view stopped moving, the status line triggers
// "ended" so that the page runs once more (its buttons, its last words). Polls that fail (a server error,
// no answer within POLL_TIMEOUT_S, the network) are tried again; after FAILURES_BEFORE_REDRAW in a row the
// status line triggers "redraw", and the script draws the view from the run itself: a feed that cannot
// answer slows the view down, it never freezes it. A feed this server does not know (404) means the page's
// session is gone with the server that held it: the page is loaded again (sessionGone).

const PLOTLY_URL = "app/static/__PLOTLY_FILE__";

function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__rnnplayPlotly) {
    window.__rnnplayPlotly = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = new URL(PLOTLY_URL, document.baseURI).href;
      script.async = true;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => {
        window.__rnnplayPlotly = undefined; // the next update tries again
        reject(new Error("plotly.js could not be loaded from " + script.src));
      };
      document.head.appendChild(script);
    });
  }
  return window.__rnnplayPlotly;
}

function cssVar(el, name, fallback) {
  const v = getComputedStyle(el).getPropertyValue(name).trim();
  return v && v !== "unset" ? v : fallback;
}

function withAlpha(color, alpha) {
  // "#rrggbb" or "rgb(r, g, b)" -> rgba with alpha; anything else unchanged
  const hex = /^#([0-9a-f]{6})$/i.exec(color);
  if (hex) {
    const n = parseInt(hex[1], 16);
    return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
  }
  const rgb = /^rgba?\(([^)]+)\)$/i.exec(color);
  if (rgb) {
    const [r, g, b] = rgb[1].split(",").map((s) => s.trim());
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  return color;
}

// The app's light or dark theme as a Plotly template: text, grid and backgrounds from Streamlit's CSS variables.
function themeTemplate(el) {
  const text = cssVar(el, "--st-text-color", "#31333f");
  const font = cssVar(el, "--st-font", "sans-serif");
  const grid = withAlpha(text, 0.14);
  const axis = { gridcolor: grid, linecolor: withAlpha(text, 0.35), zerolinecolor: withAlpha(text, 0.3),
    tickcolor: withAlpha(text, 0.35), title: { font: { color: text } } };
  return {
    key: `${text}|${font}`,
    template: {
      layout: {
        font: { color: text, family: font },
        paper_bgcolor: "rgba(0,0,0,0)",
        plot_bgcolor: "rgba(0,0,0,0)",
        xaxis: axis,
        yaxis: axis,
        legend: { bgcolor: "rgba(0,0,0,0)" },
        hoverlabel: { font: { family: font } },
        coloraxis: { colorbar: { outlinewidth: 0 } },
      },
      data: { heatmap: [{ colorbar: { outlinewidth: 0, tickfont: { color: text } } }] },
    },
  };
}

function applyPatch(chart, patch) {
  for (const [index, changes] of Object.entries(patch.traces || {})) {
    const trace = chart.data[Number(index)];
    for (const [key, value] of Object.entries(changes)) {
      if (value === null) delete trace[key];
      else if (value && typeof value === "object" && Array.isArray(value["+"])) {
        // the first `at` items stay (all when absent), then the tail; a new array: Plotly.react sees the change
        const kept = Array.from(trace[key] || []);
        trace[key] = kept.slice(0, value.at ?? kept.length).concat(value["+"]);
      } else trace[key] = value;
    }
  }
  for (const [key, value] of Object.entries(patch.layout || {})) {
    if (value === null) delete chart.layout[key];
    else chart.layout[key] = value;
  }
}

const FULLSCREEN_ICON = {
  width: 24,
  height: 24,
  path: "M3 3h7v2H5v5H3V3zm11 0h7v7h-2V5h-5V3zM3 14h2v5h5v2H3v-7zm16 0h2v7h-7v-2h5v-5z",
};

function plotConfig(div) {
  return {
    displaylogo: false,
    responsive: true,
    modeBarButtonsToRemove: ["lasso2d", "select2d"],
    modeBarButtonsToAdd: [
      {
        name: "fullscreen",
        title: "Fullscreen",
        icon: FULLSCREEN_ICON,
        click: () => (document.fullscreenElement ? document.exitFullscreen() : div.requestFullscreen()),
      },
    ],
    toImageButtonOptions: { format: "png", scale: 2 },
  };
}

async function draw(chart, Plotly) {
  if (chart.div.clientWidth === 0) {
    chart.dirty = true; // hidden (an inactive tab, a closed expander): drawn when it shows, at its size
    return;
  }
  chart.dirty = false;
  const theme = themeTemplate(chart.div);
  chart.layout.template = theme.template;
  chart.layout.datarevision = chart.rev; // arrays replaced by the patch are new objects; this makes it explicit
  chart.themeKey = theme.key;
  // the div holds the chart's height itself: Plotly's responsive resize drops layout.height of a chart with
  // no width, and left alone the div measured 0 px under a 300 px drawing after a later react
  const full = document.fullscreenElement === chart.div;
  chart.layout.height = full ? window.innerHeight : chart.height;
  chart.div.style.height = `${chart.layout.height}px`;
  // Plotly writes into the layout and traces it is given: autoranged ranges, a learner's zoom, a legend entry
  // hidden. Given copies, chart.layout and chart.data stay the figure Python sent, so that at the next react
  // Plotly tells the learner's changes from the figure's and keeps them (uirevision). Given the same objects,
  // it took a zoom for a range the figure sets, and the next whole figure (after a missed update) dropped it.
  const data = chart.data.map((trace) => ({ ...trace }));
  await Plotly.react(chart.div, data, structuredClone(chart.layout), chart.config);
}

const FIRST_POLL_S = 0.25; // the feed answers at most every 0.2 s (app_pages/ui/live_feed.py MIN_POLL_S)
const POLL_TIMEOUT_S = 10; // a poll unanswered this long (or 4 polls' time, if that is longer) is given up
const FAILURES_BEFORE_REDRAW = 3;
const feeds = new Map(); // feed url -> {url, every, charts: Map(key -> chart), timer, busy, failures in a row}

function follow(chart, feed) {
  let f = feeds.get(feed.url);
  if (!f) {
    f = { url: feed.url, every: feed.every, charts: new Map(), timer: null, busy: false, failures: 0 };
    feeds.set(feed.url, f);
  }
  f.charts.set(feed.key, chart);
  chart.feed = f;
  chart.feedKey = feed.key;
  // the first poll comes soon: a run that just started has its first points within a fraction of a second
  if (!f.timer && !f.busy) f.timer = setTimeout(() => poll(f), Math.min(f.every, FIRST_POLL_S) * 1000);
}

function unfollow(chart) {
  const f = chart.feed;
  if (!f || f.charts.get(chart.feedKey) !== chart) return;
  f.charts.delete(chart.feedKey);
  if (f.charts.size === 0) {
    clearTimeout(f.timer);
    feeds.delete(f.url);
  }
}

async function poll(f) {
  f.timer = null;
  if (feeds.get(f.url) !== f) return;
  f.busy = true;
  let answer = null, failed = false;
  const abort = new AbortController();
  const timeout = setTimeout(() => abort.abort(), Math.max(POLL_TIMEOUT_S, 4 * f.every) * 1000);
  try {
    // 0: holds nothing usable (no figure yet, or a revision the page lost track of): the whole figure comes
    const held = (chart) => (Number.isInteger(chart.rev) && chart.rev > 0 ? chart.rev : 0);
    const have = [...f.charts].map(([key, chart]) => `${key}:${held(chart)}`).join(",");
    const url = new URL(f.url, document.baseURI);
    url.searchParams.set("have", have);
    const response = await fetch(url, { cache: "no-store", signal: abort.signal });
    if (response.ok) answer = await response.json();
    else if (response.status === 404) {
      f.charts.clear(); // nothing to follow here
      sessionGone();
    }
    else failed = response.status !== 429; // too soon: not a failure, the next poll comes at the pace
  } catch (err) {
    console.warn("live chart feed:", err); // the next poll tries again
    failed = true;
  } finally {
    clearTimeout(timeout);
    f.busy = false;
  }
  if (failed) {
    window.__rnnplayFeedFailures = (window.__rnnplayFeedFailures || 0) + 1; // read by the browser tests
    if (++f.failures >= FAILURES_BEFORE_REDRAW) {
      f.failures = 0;
      const status = f.charts.get("status");
      if (status && status.trigger) status.trigger("redraw", Date.now());
    }
  } else if (answer) f.failures = 0;
  if (answer) {
    window.__rnnplayFeedPolls = (window.__rnnplayFeedPolls || 0) + 1; // read by the browser tests
    for (const [key, message] of Object.entries(answer.charts)) {
      const chart = f.charts.get(key);
      if (chart) enqueue(chart, message);
    }
    if (answer.every) f.every = answer.every;
    if (!answer.live) {
      const status = f.charts.get("status");
      if (status && status.trigger) status.trigger("ended", status.rev);
      feeds.delete(f.url); // the page's next run follows again if the view moves
      return;
    }
  }
  if (f.charts.size && feeds.get(f.url) === f) f.timer = setTimeout(() => poll(f), f.every * 1000);
  else feeds.delete(f.url);
}

// The server answering this page knows no feed of it: the page's session is gone with the server that held
// it (a restart, or a replica that died: the websocket reconnected to another one, which made a new session).
// Streamlit does not run the page again on such a reconnect when it has no timer, so the view would stand
// still, saying "training" forever. The page is loaded again instead: its URL names the run (?run=), which
// the server reopens from its store at the last save. At most once a minute, in case a server never keeps
// the feed it gave.
const RELOAD_KEY = "rnnplay-feed-gone-reload";
function sessionGone() {
  try {
    const last = Number(window.sessionStorage.getItem(RELOAD_KEY)) || 0;
    if (Date.now() - last < 60_000) return;
    window.sessionStorage.setItem(RELOAD_KEY, String(Date.now()));
  } catch (err) {
    return; // no session storage (a sandboxed frame): no way to tell a loop of reloads, so none
  }
  window.location.reload();
}

function enqueue(chart, message) {
  // updates are applied in order, each after the previous draw (plotly.js may still be loading)
  chart.queue = chart.queue
    .then(() => route(chart, message))
    .catch((err) => {
      window.__liveChartErrors = (window.__liveChartErrors || 0) + 1; // read by the browser tests
      console.error("live chart:", err);
    });
}

function route(chart, message) {
  if (message.status) return showStatus(chart, message);
  if (message.words !== undefined) return showWords(chart, message);
  if (chart.kind !== "figure") return held(chart, message);
  return update(chart, message);
}

// A status line or words told only a revision ({rev}: nothing moved since): nothing to do if it is the one
// shown; else ask for them whole.
function held(chart, message) {
  if (message.rev !== chart.rev) askWhole(chart, message.rev);
}

// The element does not hold revision `rev`: ask Python for it whole through the "resync" trigger, once per
// revision. A fed element asks nothing: its next poll says which revision it holds, and brings it whole.
function askWhole(chart, rev) {
  if (chart.feed || chart.asked === rev) return;
  chart.asked = rev;
  chart.trigger("resync", rev);
}

// The status line: its text over a thin bar, in the theme's colours.
function showStatus(chart, message) {
  if (chart.rev !== null && message.rev < chart.rev) return; // older than what is shown
  if (!chart.bar) {
    chart.div.innerHTML = '<div class="rnnplay-status-text"></div><div class="rnnplay-status-track"><div></div></div>';
    const text = chart.div.firstChild, track = chart.div.lastChild;
    text.style.cssText = "font-size: 0.875rem; line-height: 1.4; margin-bottom: 0.25rem; white-space: nowrap; overflow: hidden; text-overflow: ellipsis;";
    track.style.cssText = "height: 0.5rem; border-radius: 0.25rem; overflow: hidden;";
    track.style.background = withAlpha(cssVar(chart.div, "--st-text-color", "#31333f"), 0.12);
    // no CSS transition: an animated width is a frame of layout and paint 60 times a second, for 0.2 s of
    // every 0.5 s (a live Playground's Chromium: 0.06 cores of 0.21 with it)
    track.firstChild.style.cssText = "height: 100%;";
    track.firstChild.style.background = cssVar(chart.div, "--st-primary-color", "#ff4b4b");
    chart.bar = { text, fill: track.firstChild };
  }
  if (message.status) {
    chart.status = message.status;
    chart.bar.text.textContent = message.status.text;
    chart.bar.fill.style.width = `${Math.round(Math.min(Math.max(message.status.fraction, 0), 1) * 1000) / 10}%`;
  }
  chart.rev = message.rev;
}

// A box of words (the diagnosis): the HTML Python made, every text in it escaped there; a fixed height, longer
// words scroll inside it. Replaced whole when the words move (every probe shown, at most).
function showWords(chart, message) {
  if (chart.rev !== null && message.rev < chart.rev) return; // older than what is shown
  if (chart.html !== message.words) {
    chart.div.style.cssText = "width: 100%; height: 100%; overflow-y: auto;";
    chart.div.innerHTML = message.words;
    chart.html = message.words;
  }
  chart.rev = message.rev;
}

function decode(data) {
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return JSON.parse(new TextDecoder().decode(data));
  return typeof data === "string" ? JSON.parse(data) : data;
}

export default function (component) {
  const { parentElement, setTriggerValue } = component;
  const message = decode(component.data);
  let chart = parentElement.__rnnplayChart;
  if (!chart) {
    const div = document.createElement("div");
    // what the element is: the script names a status line's or words' kind in each message it sends them in
    const kind = (message && message.kind) || "figure";
    div.className = { status: "rnnplay-live-status", words: "rnnplay-live-words", figure: "rnnplay-live-chart" }[kind];
    div.style.width = "100%";
    parentElement.appendChild(div);
    chart = { div, kind, rev: null, data: null, layout: null, asked: null, config: plotConfig(div), queue: Promise.resolve(), calls: 0 };
    parentElement.__rnnplayChart = chart;
    // a chart drawn while hidden (a closed tab or expander) has no width: redraw it at its size when it shows
    chart.resize = new ResizeObserver(() => {
      if (!window.Plotly || !chart.data || chart.div.clientWidth === 0) return;
      if (chart.dirty) chart.queue = chart.queue.then(() => draw(chart, window.Plotly));
      else window.Plotly.Plots.resize(chart.div);
    });
    chart.resize.observe(div);
    chart.onFullscreen = () => {
      if (!window.Plotly || !chart.data) return;
      const full = document.fullscreenElement === div;
      div.style.background = full ? cssVar(div, "--st-background-color", "#fff") : "";
      chart.layout.height = full ? window.innerHeight : chart.height;
      div.style.height = `${chart.layout.height}px`;
      window.Plotly.relayout(div, { height: chart.layout.height });
    };
    div.addEventListener("fullscreenchange", chart.onFullscreen);
  }
  chart.calls += 1;
  if (!message) return cleanup(parentElement, chart);
  chart.trigger = setTriggerValue;
  if (message.feed) follow(chart, message.feed);
  else unfollow(chart);
  enqueue(chart, message);
  return cleanup(parentElement, chart);
}

async function update(chart, message) {
  if (chart.feed && chart.rev !== null && message.rev < chart.rev) return; // a script's message older than a poll's
  const Plotly = await loadPlotly();
  if (message.figure) {
    chart.data = message.figure.data;
    chart.layout = message.figure.layout;
    chart.height = chart.layout.height;
    chart.rev = message.rev;
  } else if (message.patch && message.base === chart.rev && chart.data) {
    applyPatch(chart, message.patch);
    chart.rev = message.rev;
  } else if (message.rev !== chart.rev || !chart.data) {
    askWhole(chart, message.rev); // not the figure this browser holds
    return;
  } else if (themeTemplate(chart.div).key === chart.themeKey) {
    return; // the same figure, the same theme: nothing to draw
  }
  await draw(chart, Plotly);
}

// The cleanup of one call: Streamlit runs it when the element goes, and also when a newer message came while
// this call was still under way (this module loading): then it runs after the newer call drew into the same
// element, and must leave the chart to it, or the element stands blank and stops following its feed.
function cleanup(parentElement, chart) {
  const call = chart.calls;
  return () => {
    if (parentElement.__rnnplayChart !== chart || chart.calls !== call) return; // a newer call owns the chart
    unfollow(chart);
    chart.resize.disconnect();
    chart.div.removeEventListener("fullscreenchange", chart.onFullscreen);
    if (window.Plotly) window.Plotly.purge(chart.div);
    chart.div.remove();
    delete parentElement.__rnnplayChart;
  };
}
