-- Entity mentions and date expressions found in articles (written by the rules stage),
-- and the people-facing views over stories and daily mention counts.

CREATE TABLE entity_mentions (
    article_id    VARCHAR NOT NULL,
    entity_id     VARCHAR NOT NULL,      -- id from config/entities.yaml
    entity_name   VARCHAR NOT NULL,      -- the watchlist's display name
    entity_kind   VARCHAR NOT NULL,      -- person | organization | place
    surface       VARCHAR NOT NULL,      -- the alias as written in the article
    sentence      VARCHAR,
    found_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE date_mentions (
    article_id    VARCHAR NOT NULL,
    expression    VARCHAR NOT NULL,      -- as written: "next Tuesday", "on 12 March"
    resolved_date DATE,                  -- resolved against the article's publication date
    sentence      VARCHAR,
    found_at      TIMESTAMPTZ NOT NULL
);

CREATE VIEW v_stories AS
SELECT st.story_id, st.title, st.first_seen_at,
       count(a.article_id) AS articles,
       count(DISTINCT a.source_id) AS sources,
       list(DISTINCT a.source_id ORDER BY a.source_id) AS source_ids,
       min(a.published_at) AS first_published_at,
       max(a.published_at) AS last_published_at,
       max(a.first_seen_at) AS last_seen_at
FROM stories st LEFT JOIN articles a USING (story_id)
GROUP BY ALL;

-- One row per UTC day (of ingest) and subject: an entity from the watchlist or a rule.
CREATE VIEW v_daily_mentions AS
SELECT CAST(a.first_seen_at AS DATE) AS day, 'entity' AS subject_kind, e.entity_id AS subject,
       count(DISTINCT e.article_id) AS articles, count(*) AS mentions
FROM entity_mentions e JOIN articles a USING (article_id)
GROUP BY ALL
UNION ALL
SELECT CAST(a.first_seen_at AS DATE) AS day, 'rule' AS subject_kind, m.rule_id AS subject,
       count(DISTINCT m.article_id) AS articles, count(*) AS mentions
FROM matches m JOIN articles a USING (article_id)
GROUP BY ALL;
