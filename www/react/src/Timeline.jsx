import { COUNTERS, KINDS, dpopNote, elapsed } from "../../shared/demo.js";

/** The token's life bar; `life` comes from tokenLife() in shared/demo.js. */
export function TokenLife({ life, ahead, brokenFor, ns, refreshPath, thumbprint }) {
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
          {brokenFor > 0 ? `${refreshPath} fails for ${brokenFor} s more` : `${refreshPath} works`}
        </span>
        <span className="chip" id="chip-ns">namespace {ns}</span>
        {thumbprint && (
          <span className="chip" id="chip-key" data-jkt={thumbprint}>
            DPoP key {thumbprint.slice(0, 12)}…
          </span>
        )}
      </div>
    </section>
  );
}

/** The DPoP switch, its buttons and (when on) the server's DPoP log; `view` from dpopView(). */
export function DpopCard({ settings, ready, view, onReplay, onNonce, onSwitch }) {
  return (
    <section className="card">
      <div className="controls">
        {settings.dpop && (
          <>
            <button id="btn-replay" disabled={!ready} onClick={onReplay}>
              Replay the token from elsewhere
            </button>
            <button id="btn-nonce" disabled={!ready} onClick={onNonce}>
              Expire the server&apos;s nonces
            </button>
          </>
        )}
        <label className="toggle">
          <input type="checkbox" id="dpop" checked={settings.dpop} onChange={(e) => onSwitch(e.target.checked)} />{" "}
          <span>
            <b>DPoP</b>: bind tokens to this browser&apos;s key
          </span>
        </label>
      </div>
      <p className="life-note" id="dpop-note">
        {dpopNote(settings)}
      </p>
      {settings.dpop && (
        <div id="dpop-panel">
          <h2>
            What the server&apos;s DPoP checks saw <small className="life-note">(newest first)</small>
          </h2>
          <div className="life-note" id="dpop-summary">
            {view?.summary}
          </div>
          <ul className="dpop-log" id="dpop-log">
            {view?.rows.map((row) => (
              <li key={row.seq} data-accepted={String(row.accepted)}>
                {row.text}
              </li>
            ))}
          </ul>
        </div>
      )}
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
