"""The console's start page: the first collection's records, or a welcome page when there is none.

    GET /_/          index
"""

from __future__ import annotations

from flask import Blueprint, redirect, url_for

from ..site import core, render, sidebar_collections


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/", "index", index)


def index():
    collections = sidebar_collections(core())["user"]
    if collections:
        return redirect(url_for("admin_ui.records", name=collections[0].name))
    return render("index.html", title="Welcome")
