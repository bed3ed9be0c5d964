-- Ratings of alerts by the people who receive them (`newswatch feedback ID relevant|irrelevant`):
-- one row per alert, the latest rating wins. v_rule_quality turns them into precision per rule
-- and week (the week the alert was raised), over the rated alerts only.
CREATE TABLE alert_feedback (
    alert_id   VARCHAR PRIMARY KEY,
    rating     VARCHAR NOT NULL CHECK (rating IN ('relevant', 'irrelevant')),
    note       VARCHAR,
    rated_at   TIMESTAMPTZ NOT NULL
);

CREATE VIEW v_rule_quality AS
SELECT a.rule_id,
       date_trunc('week', a.created_at) AS week,
       count(*) AS rated,
       count(*) FILTER (WHERE f.rating = 'relevant') AS relevant,
       count(*) FILTER (WHERE f.rating = 'irrelevant') AS irrelevant,
       round(count(*) FILTER (WHERE f.rating = 'relevant') / count(*), 3) AS precision
FROM alert_feedback f JOIN alerts a USING (alert_id)
GROUP BY a.rule_id, date_trunc('week', a.created_at);
