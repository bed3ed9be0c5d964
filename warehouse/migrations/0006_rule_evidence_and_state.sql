-- Why each rule matched (evidence with offsets), where watchlist entities are mentioned, the
-- event dates rules found, and the state of threshold and first-seen rules, so that a restart
-- neither repeats nor forgets an alert. Config problems remember when ops heard of them.

-- One row per condition occurrence a match used; replaced when a new version is evaluated.
CREATE TABLE match_evidence (
    match_id       VARCHAR NOT NULL,     -- matches.match_id (rule x article)
    rule_id        VARCHAR NOT NULL,
    article_id     VARCHAR NOT NULL,
    condition      VARCHAR NOT NULL,     -- the term as written in the rule, an entity id, ...
    field          VARCHAR NOT NULL,     -- title | summary | body
    start_offset   INTEGER NOT NULL,     -- character offsets into the field
    end_offset     INTEGER NOT NULL,
    text           VARCHAR NOT NULL,     -- the words as they appear in the article
    sentence_start INTEGER NOT NULL,
    sentence_end   INTEGER NOT NULL
);

-- Where in the article an entity mention is (0002 kept only the sentence).
ALTER TABLE entity_mentions ADD COLUMN field VARCHAR;
ALTER TABLE entity_mentions ADD COLUMN start_offset INTEGER;
ALTER TABLE entity_mentions ADD COLUMN end_offset INTEGER;

-- The event date that made a rule with `event:` hold (one per match).
CREATE TABLE match_events (
    match_id      VARCHAR PRIMARY KEY,
    rule_id       VARCHAR NOT NULL,
    article_id    VARCHAR NOT NULL,
    value         VARCHAR NOT NULL,      -- TIMEX3: 2026-12-03, 2026-W49, 2026-12
    first_day     DATE,                  -- the days the value covers
    last_day      DATE,
    text          VARCHAR NOT NULL,      -- as written: "next Thursday"
    sentence      VARCHAR NOT NULL,
    found_at      TIMESTAMPTZ NOT NULL
);

-- First-seen rules: when each term or entity was last seen, per rule.
CREATE TABLE seen_subjects (
    rule_id       VARCHAR NOT NULL,
    subject       VARCHAR NOT NULL,      -- the rule's term or entity id
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    article_id    VARCHAR,               -- the latest article that mentioned it
    PRIMARY KEY (rule_id, subject)
);

-- First-seen rules whose baseline has been learned (from stored articles, or the first run).
CREATE TABLE seen_baselines (
    rule_id       VARCHAR PRIMARY KEY,
    learned_at    TIMESTAMPTZ NOT NULL,
    articles      INTEGER NOT NULL       -- stored articles the baseline was learned from
);

-- Threshold rules: every time one crossed its threshold, with what made it cross.
CREATE TABLE threshold_firings (
    firing_id     VARCHAR PRIMARY KEY,   -- also the alert's story id
    rule_id       VARCHAR NOT NULL,
    fired_at      TIMESTAMPTZ NOT NULL,
    window_start  TIMESTAMPTZ NOT NULL,
    article_ids   VARCHAR[] NOT NULL,
    source_ids    VARCHAR[] NOT NULL
);

-- Problems in config files, so an ops channel hears of each distinct one once.
CREATE TABLE config_problems (
    problem       VARCHAR PRIMARY KEY,   -- file:line:column: field: message
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    notified_at   TIMESTAMPTZ            -- NULL until an ops channel was told
);

CREATE VIEW v_match_evidence AS
SELECT e.rule_id, e.article_id, a.title, a.url, e.condition, e.field, e.text,
       e.start_offset, e.end_offset,
       substr(CASE e.field WHEN 'title' THEN a.title WHEN 'summary' THEN a.summary
                           ELSE a.body END,
              e.sentence_start + 1, e.sentence_end - e.sentence_start) AS sentence
FROM match_evidence e JOIN articles a USING (article_id);

CREATE VIEW v_event_dates AS
SELECT e.rule_id, e.first_day, e.last_day, e.value, e.text AS date_text, e.sentence,
       a.title, a.url, a.source_id, a.published_at, a.story_id
FROM match_events e JOIN articles a USING (article_id);
