"""The pipeline steps every runner shares (register, scrape, load, evaluate, deliver,
digests, source health, config problems, record the run), as plain functions: the Prefect
flows, the staged scale-out flows and the plain runner call the same steps. No Prefect here."""
