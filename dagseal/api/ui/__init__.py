"""The web UI: server-rendered Jinja2 pages over the same access rules and host functions as the API."""

from fastapi import APIRouter

from dagseal.api.ui import dag_list, dag_pages, login, operations, run_pages, secret_pages

UI_ROUTERS: tuple[APIRouter, ...] = (
    login.router,
    dag_list.router,
    dag_pages.router,
    run_pages.router,
    operations.router,
    secret_pages.router,
)

__all__ = ["UI_ROUTERS"]
