-- The first schema: sources, the request log, articles with their URLs and versions,
-- stories (clusters of syndicated copies), rule matches and the alert outbox.
-- All times are UTC (TIMESTAMPTZ).

CREATE TABLE runs (
    run_id        VARCHAR PRIMARY KEY,
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    sources       INTEGER,
    articles_new  INTEGER,
    matches_new   INTEGER,
    alerts_sent   INTEGER,
    errors        INTEGER
);

CREATE TABLE sources (
    source_id     VARCHAR PRIMARY KEY,
    name          VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,
    url           VARCHAR NOT NULL,
    etag          VARCHAR,          -- validators for the next conditional GET
    last_modified VARCHAR,
    updated_at    TIMESTAMPTZ
);

-- One row per HTTP request (or per failure before one): the source health log.
CREATE TABLE fetches (
    run_id        VARCHAR NOT NULL,
    source_id     VARCHAR NOT NULL,
    url           VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,  -- feed | article
    outcome       VARCHAR NOT NULL,  -- ok | not_modified | error | skipped
    status_code   INTEGER,
    bytes         BIGINT,
    elapsed_ms    DOUBLE,
    error_class   VARCHAR,
    transient     BOOLEAN,
    message       VARCHAR,
    fetched_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE articles (
    article_id    VARCHAR PRIMARY KEY,   -- from the canonical URL
    source_id     VARCHAR NOT NULL,
    url           VARCHAR NOT NULL,
    title         VARCHAR NOT NULL,
    authors       VARCHAR[],
    published_at  TIMESTAMPTZ,           -- as the page says; may be wrong or missing
    updated_at    TIMESTAMPTZ,
    fetched_at    TIMESTAMPTZ NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,  -- ingest time: rules window on this
    language      VARCHAR,
    section       VARCHAR,
    tags          VARCHAR[],
    summary       VARCHAR,
    body          VARCHAR NOT NULL,
    word_count    INTEGER NOT NULL,
    content_hash  VARCHAR NOT NULL,
    story_id      VARCHAR NOT NULL,
    evaluated_at  TIMESTAMPTZ            -- NULL until the rules have seen this version
);

-- Every URL form that led to an article (feed links with tracking stripped, canonical URL):
-- known URLs are skipped before download.
CREATE TABLE article_urls (
    url           VARCHAR PRIMARY KEY,
    article_id    VARCHAR NOT NULL,
    source_id     VARCHAR NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL
);

-- Earlier bodies of articles that changed.
CREATE TABLE article_versions (
    article_id    VARCHAR NOT NULL,
    content_hash  VARCHAR NOT NULL,
    title         VARCHAR NOT NULL,
    body          VARCHAR NOT NULL,
    fetched_at    TIMESTAMPTZ NOT NULL,
    replaced_at   TIMESTAMPTZ NOT NULL
);

-- A story is a cluster of near-duplicate articles (the same wire copy on several sites).
CREATE TABLE stories (
    story_id      VARCHAR PRIMARY KEY,   -- the article_id of its first article
    title         VARCHAR NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL
);

-- MinHash signatures, so clustering survives restarts without re-reading bodies.
CREATE TABLE article_signatures (
    article_id    VARCHAR PRIMARY KEY,
    signature     UINTEGER[] NOT NULL,  -- MinHash, 128 permutations
    similarity    DOUBLE                 -- estimated Jaccard with the story's nearest article
);

CREATE TABLE matches (
    match_id      VARCHAR PRIMARY KEY,   -- rule x article
    rule_id       VARCHAR NOT NULL,
    article_id    VARCHAR NOT NULL,
    story_id      VARCHAR NOT NULL,
    matched_at    TIMESTAMPTZ NOT NULL,
    field         VARCHAR,               -- where the evidence was found: title | summary | body
    terms         VARCHAR[],             -- the words as they appear in the text
    sentence      VARCHAR                -- the sentence that matched
);

-- The outbox: one alert per (rule, story), whatever number of sites carry the story.
CREATE TABLE alerts (
    alert_id      VARCHAR PRIMARY KEY,
    rule_id       VARCHAR NOT NULL,
    story_id      VARCHAR NOT NULL,
    article_id    VARCHAR NOT NULL,      -- the article that raised it
    severity      VARCHAR NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE deliveries (
    alert_id      VARCHAR NOT NULL,
    channel       VARCHAR NOT NULL,
    status        VARCHAR NOT NULL,      -- pending | sending | sent | failed
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    VARCHAR,
    updated_at    TIMESTAMPTZ NOT NULL,
    sent_at       TIMESTAMPTZ,
    PRIMARY KEY (alert_id, channel)
);

CREATE VIEW v_articles AS
SELECT a.article_id, a.story_id, a.source_id, s.name AS source_name, a.url, a.title,
       a.authors, a.published_at, a.updated_at, a.first_seen_at, a.language, a.section,
       a.tags, a.summary, a.word_count, a.body
FROM articles a LEFT JOIN sources s USING (source_id);

CREATE VIEW v_matches AS
SELECT m.match_id, m.rule_id, m.matched_at, m.article_id, m.story_id, a.source_id,
       s.name AS source_name, a.title, a.url, a.published_at, m.field, m.terms, m.sentence
FROM matches m
JOIN articles a USING (article_id)
LEFT JOIN sources s ON s.source_id = a.source_id;

CREATE VIEW v_alerts AS
SELECT al.alert_id, al.rule_id, al.severity, al.created_at, al.story_id, al.article_id,
       a.source_id, a.title, a.url, d.channel, d.status, d.attempts, d.sent_at, d.updated_at,
       d.last_error
FROM alerts al
JOIN articles a ON a.article_id = al.article_id
LEFT JOIN deliveries d USING (alert_id);

CREATE VIEW v_source_health AS
SELECT s.source_id, s.name,
       max(f.fetched_at) FILTER (WHERE f.kind = 'feed' AND f.outcome IN ('ok', 'not_modified'))
           AS last_success_at,
       max(f.fetched_at) FILTER (WHERE f.outcome = 'error') AS last_error_at,
       arg_max(f.message, f.fetched_at) FILTER (WHERE f.outcome = 'error') AS last_error,
       count(*) FILTER (WHERE f.outcome = 'error') AS errors,
       count(*) FILTER (WHERE f.outcome IN ('ok', 'not_modified')) AS successes,
       (SELECT count(*) FROM articles a WHERE a.source_id = s.source_id) AS articles
FROM sources s LEFT JOIN fetches f USING (source_id)
GROUP BY ALL;
