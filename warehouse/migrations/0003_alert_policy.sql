-- Alerts people trust: retry backoff and give-up notices on deliveries, re-alerts on alerts,
-- and digests (what waits for one, and what was sent).

ALTER TABLE deliveries ADD COLUMN next_attempt_at TIMESTAMPTZ;   -- not attempted before this
ALTER TABLE deliveries ADD COLUMN digest_id VARCHAR;             -- the digest that carried it
ALTER TABLE deliveries ADD COLUMN ops_notified_at TIMESTAMPTZ;   -- give-up told to ops channels
-- Failures from before this version are not announced now.
UPDATE deliveries SET ops_notified_at = updated_at WHERE status = 'failed';

ALTER TABLE alerts ADD COLUMN revision INTEGER DEFAULT 0;        -- re-alerts so far
ALTER TABLE alerts ADD COLUMN realerted_at TIMESTAMPTZ;

-- Lines waiting for (or listed in) a digest: alerts of digest-only rules, alerts held by
-- quiet hours, later copies and updates of stories already alerted.
CREATE TABLE digest_items (
    item_id       VARCHAR PRIMARY KEY,   -- alert x channel x article version
    channel       VARCHAR NOT NULL,
    stream        VARCHAR NOT NULL,      -- channel (its schedule) | rule:<rule_id>
    alert_id      VARCHAR NOT NULL,
    rule_id       VARCHAR NOT NULL,
    article_id    VARCHAR NOT NULL,
    reason        VARCHAR NOT NULL,      -- alert | quiet_hours | copy | update
    queued_at     TIMESTAMPTZ NOT NULL,
    digest_id     VARCHAR                -- NULL while waiting
);

-- Every digest attempt; the last sent one per (channel, stream) says when the next is due.
CREATE TABLE digests (
    digest_id     VARCHAR PRIMARY KEY,
    channel       VARCHAR NOT NULL,
    stream        VARCHAR NOT NULL,      -- channel | rule:<rule_id> | flood:<rule_id>
    period_end    TIMESTAMPTZ NOT NULL,  -- the schedule time that made it due
    status        VARCHAR NOT NULL,      -- sent | failed
    items         INTEGER NOT NULL,
    error         VARCHAR,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE OR REPLACE VIEW v_alerts AS
SELECT al.alert_id, al.rule_id, al.severity, al.created_at, al.story_id, al.article_id,
       a.source_id, a.title, a.url, d.channel, d.status, d.attempts, d.sent_at, d.updated_at,
       d.last_error, d.next_attempt_at, d.digest_id, al.revision, al.realerted_at
FROM alerts al
JOIN articles a ON a.article_id = al.article_id
LEFT JOIN deliveries d USING (alert_id);

CREATE VIEW v_digest_items AS
SELECT i.item_id, i.channel, i.stream, i.reason, i.rule_id, i.alert_id, i.article_id,
       a.source_id, a.title, a.url, i.queued_at, i.digest_id, g.created_at AS sent_at
FROM digest_items i
JOIN articles a USING (article_id)
LEFT JOIN digests g ON g.digest_id = i.digest_id AND g.status = 'sent';
