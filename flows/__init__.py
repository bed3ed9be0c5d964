"""Prefect flows and tasks over the pipeline steps, `serve` and deployments: the only
package that imports Prefect."""
