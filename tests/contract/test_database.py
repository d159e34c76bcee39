"""Database: the LangGraph checkpointer on each adapter, and PostgreSQL's versioned schema and errors."""

from __future__ import annotations

import asyncio
import operator
from pathlib import Path
from typing import Annotated, TypedDict

import psycopg
import pytest
from langgraph.graph import END, START, StateGraph

from openclaw.errors import StoreError
from openclaw.settings import Settings
from openclaw.storage import open_storage
from openclaw.storage.ports import Storage
from openclaw.storage.postgres import CHECKPOINT_STEP, open_postgres
from openclaw.testing.postgres import temporary_database
from openclaw.testing.racing import race


class Counter(TypedDict):
    steps: Annotated[list[str], operator.add]


def tiny_graph(checkpointer: object):
    graph = StateGraph(Counter)
    graph.add_node("one", lambda state: {"steps": ["one"]})
    graph.add_node("two", lambda state: {"steps": ["two"]})
    graph.add_edge(START, "one")
    graph.add_edge("one", "two")
    graph.add_edge("two", END)
    return graph.compile(checkpointer=checkpointer)


def test_checkpointer_round_trips_a_graph_state(storage: Storage):
    config = {"configurable": {"thread_id": "run-1"}}

    async def scenario() -> tuple[list[str], list[str], list[str] | None]:
        async with storage.database.checkpointer() as saver:
            await tiny_graph(saver).ainvoke({"steps": ["start"]}, config)
        async with storage.database.checkpointer() as saver:  # a new saver (a restarted process) reads it back
            state = await tiny_graph(saver).aget_state(config)
            again = await tiny_graph(saver).ainvoke({"steps": ["more"]}, config)
        async with storage.database.checkpoint_reader() as reader:
            read = await reader.aget_tuple(config) if reader is not None else None
        return state.values["steps"], again["steps"], read.checkpoint["channel_values"]["steps"] if read else None

    state, again, read = asyncio.run(scenario())

    assert state == ["start", "one", "two"]
    assert again == ["start", "one", "two", "more", "one", "two"]
    assert read == again


def test_ping(storage: Storage):
    storage.database.ping()


def test_make_durable_before_and_while_a_checkpointer_is_open(storage: Storage):
    storage.database.make_durable()  # nothing written yet

    async def scenario() -> list[str]:
        async with storage.database.checkpointer() as saver:
            config = {"configurable": {"thread_id": "run-durable"}}
            await tiny_graph(saver).ainvoke({"steps": ["start"]}, config)
            await asyncio.to_thread(storage.database.make_durable)
            return (await tiny_graph(saver).aget_state(config)).values["steps"]

    assert asyncio.run(scenario())[0] == "start"


# --- PostgreSQL only -------------------------------------------------------------------------------


@pytest.fixture
def empty_database(postgres_base: str):
    with temporary_database(postgres_base, prefix="openclaw_contract_empty") as url:
        yield url


@pytest.mark.postgres
def test_a_fresh_database_is_behind_until_upgraded(empty_database: str, tmp_path: Path):
    settings = Settings(home=tmp_path / "home")
    with pytest.raises(StoreError) as refused:
        open_storage(settings, url=empty_database)
    storage = open_postgres(empty_database)
    try:
        assert storage.database.pending_migrations() == ["0001_initial", CHECKPOINT_STEP]

        applied = storage.database.upgrade()
        pending_after = storage.database.pending_migrations()
        applied_again = storage.database.upgrade()
    finally:
        storage.close()

    message = str(refused.value)
    assert "\n" not in message
    assert "is behind this version of OpenClaw" in message and message.endswith("run: openclaw db upgrade")
    assert applied == ["0001_initial", CHECKPOINT_STEP]
    assert pending_after == [] and applied_again == []
    open_storage(settings, url=empty_database).close()


@pytest.mark.postgres
def test_checkpoint_reader_of_a_fresh_database_is_none(empty_database: str):
    storage = open_postgres(empty_database)

    async def read() -> object:
        async with storage.database.checkpoint_reader() as reader:
            return reader

    try:
        assert asyncio.run(read()) is None
    finally:
        storage.close()


@pytest.mark.postgres
def test_upgrades_racing_apply_each_migration_once(empty_database: str):
    replicas = [open_postgres(empty_database) for _ in range(3)]

    try:
        applied = race(replicas, lambda i, s: s.database.upgrade())
        assert sorted(step for steps in applied for step in steps) == sorted(["0001_initial", CHECKPOINT_STEP])
        assert replicas[0].database.pending_migrations() == []
    finally:
        for storage in replicas:
            storage.close()


def test_an_unreachable_database_is_one_line_without_the_password(tmp_path: Path):
    with pytest.raises(StoreError) as refused:
        open_storage(Settings(home=tmp_path), url="postgresql://openclaw:s3cret@127.0.0.1:1/openclaw")

    message = str(refused.value)
    assert "\n" not in message and "s3cret" not in message
    assert message.startswith("cannot connect to the database postgresql://openclaw:***@127.0.0.1:1/openclaw: ")


@pytest.mark.postgres
def test_errors_name_the_database_in_one_line(postgres_base: str, postgres_url: str):
    storage = open_postgres(postgres_url)
    try:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute("DROP TABLE openclaw_runs")
        with pytest.raises(StoreError) as failed:
            storage.runs.list()
        with psycopg.connect(postgres_base, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{postgres_url.rsplit("/", 1)[1]}" WITH (FORCE)')
        with pytest.raises(StoreError) as gone:
            storage.database.ping()  # the pool's connection was terminated: the first use says so
    finally:
        storage.close()

    assert str(failed.value) == f'the run store in {postgres_url}: relation "openclaw_runs" does not exist'
    assert str(gone.value).startswith(f"the database {postgres_url} does not answer: ")
    assert "\n" not in str(gone.value)
