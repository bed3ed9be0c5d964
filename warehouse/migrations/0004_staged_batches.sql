-- Work-pool runs: scrape workers write Parquet batches to a staging folder and one loader
-- loads them. A batch's row is written in the same transaction as its articles, so a batch
-- is loaded once even if the loader dies before it moves the file away.
CREATE TABLE staged_batches (
    batch_id      VARCHAR PRIMARY KEY,   -- the scrape flow run id, from the file name
    loaded_at     TIMESTAMPTZ NOT NULL,
    sources       INTEGER NOT NULL,      -- sources in the batch
    articles      INTEGER NOT NULL,      -- articles in the batch (new or not)
    articles_new  INTEGER NOT NULL       -- of which stored for the first time
);
