"""Every dagseal table, one model per module; importing this package registers them all on ``Base``."""

from dagseal.db.models.callback_claim import CallbackClaimModel
from dagseal.db.models.callback_request import CallbackRequestModel, CallbackType
from dagseal.db.models.dag import DagModel
from dagseal.db.models.dag_code import DagCodeModel
from dagseal.db.models.dag_run import DagRunModel
from dagseal.db.models.deployment import DeploymentModel
from dagseal.db.models.import_error import ImportErrorModel
from dagseal.db.models.job import JobModel, JobState, JobType
from dagseal.db.models.rendered_task_instance_fields import RenderedTaskInstanceFieldsModel
from dagseal.db.models.serialized_dag import SerializedDagModel
from dagseal.db.models.task_instance import TaskInstanceModel

__all__ = [
    "CallbackClaimModel",
    "CallbackRequestModel",
    "CallbackType",
    "DagCodeModel",
    "DagModel",
    "DagRunModel",
    "DeploymentModel",
    "ImportErrorModel",
    "JobModel",
    "JobState",
    "JobType",
    "RenderedTaskInstanceFieldsModel",
    "SerializedDagModel",
    "TaskInstanceModel",
]
