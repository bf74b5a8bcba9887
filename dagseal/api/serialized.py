"""The server's one cache of parsed DAG versions: a ``serialized_dag`` row never changes once
written, so each dag_hash is parsed once per process however many pages show it."""

from dagseal.scheduler.dag_bag import SerializedDagBag

DAG_BAG = SerializedDagBag()
