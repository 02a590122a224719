import { COUNTERS, KINDS, elapsed } from "../../shared/demo.js";

/** The token's life bar; `life` comes from tokenLife() in shared/demo.js. */
export function TokenLife({ life, ahead, brokenFor, ns }) {
  const windowShare = life.total > 0 ? Math.min(1, ahead / life.total) : 0;
  return (
    <section className="card life" id="life" data-phase={life.phase}>
      <div className="life-head">
        <h2>Current token</h2>
        <span className="life-left" id="token-left">{life.label}</span>
      </div>
      <div className="life-bar">
        <div className="life-window" style={{ width: `${(windowShare * 100).toFixed(1)}%` }} />
        <div className="life-fill" style={{ width: `${(life.fraction * 100).toFixed(1)}%` }} />
      </div>
      <div className="life-note">
        Striped end of the bar: the refresh window (<code>refreshAheadSeconds</code>).
      </div>
      <div className="chips">
        <span className={brokenFor > 0 ? "chip bad" : "chip good"} id="chip-refresh">
          {brokenFor > 0 ? `/auth/refresh fails for ${brokenFor} s more` : "/auth/refresh works"}
        </span>
        <span className="chip" id="chip-ns">namespace {ns}</span>
      </div>
    </section>
  );
}

/** Running totals. */
export function Counters({ counts }) {
  return (
    <section className="card counters" id="counters">
      {COUNTERS.map(([key, label, kind]) => (
        <div className="counter" data-kind={kind} data-counter={key} key={key}>
          <b>{counts[key]}</b>
          <span>{label}</span>
        </div>
      ))}
    </section>
  );
}

/** Colour-coded entries, newest first. */
export function Timeline({ entries, since }) {
  return (
    <section className="card">
      <h2>
        Timeline <small className="life-note">(newest first)</small>
      </h2>
      <div className="legend">
        {KINDS.map(([kind, text]) => (
          <span data-kind={kind} key={kind}>
            {text}
          </span>
        ))}
      </div>
      <ul className="timeline" id="events">
        {entries.map((e) => (
          <li className="entry" data-kind={e.kind} data-what={e.what} key={e.id}>
            <time>{elapsed(e.at, since)}</time>
            <div>
              <strong>{e.title}</strong>
              {e.count > 1 && <span className="count">×{e.count}</span>}
              <small>{e.detail}</small>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
