"""Every dagseal table, one model per module; importing this package registers them all on ``Base``."""

from dagseal.db.models.asset import AssetModel
from dagseal.db.models.asset_event import AssetEventModel
from dagseal.db.models.asset_schedule import AssetDagRunQueueModel, DagScheduleAssetReferenceModel
from dagseal.db.models.backfill import BackfillModel
from dagseal.db.models.backfill_dag_run import BackfillDagRunModel
from dagseal.db.models.callback_claim import CallbackClaimModel
from dagseal.db.models.callback_request import CallbackRequestModel, CallbackType
from dagseal.db.models.connection import ConnectionModel
from dagseal.db.models.dag import DagModel
from dagseal.db.models.dag_code import DagCodeModel
from dagseal.db.models.dag_run import DagRunModel
from dagseal.db.models.dagseal_api_token import ApiTokenModel
from dagseal.db.models.dagseal_user import UserModel
from dagseal.db.models.deployment import DeploymentModel
from dagseal.db.models.import_error import ImportErrorModel
from dagseal.db.models.job import JobModel, JobState, JobType
from dagseal.db.models.rendered_task_instance_fields import RenderedTaskInstanceFieldsModel
from dagseal.db.models.serialized_dag import SerializedDagModel
from dagseal.db.models.slot_pool import SlotPoolModel
from dagseal.db.models.task_instance import TaskInstanceModel
from dagseal.db.models.task_reschedule import TaskRescheduleModel
from dagseal.db.models.variable import VariableModel
from dagseal.db.models.xcom import XComModel

__all__ = [
    "ApiTokenModel",
    "AssetDagRunQueueModel",
    "AssetEventModel",
    "AssetModel",
    "BackfillDagRunModel",
    "BackfillModel",
    "CallbackClaimModel",
    "CallbackRequestModel",
    "CallbackType",
    "ConnectionModel",
    "DagCodeModel",
    "DagModel",
    "DagRunModel",
    "DagScheduleAssetReferenceModel",
    "DeploymentModel",
    "ImportErrorModel",
    "JobModel",
    "JobState",
    "JobType",
    "RenderedTaskInstanceFieldsModel",
    "SerializedDagModel",
    "SlotPoolModel",
    "TaskInstanceModel",
    "TaskRescheduleModel",
    "UserModel",
    "VariableModel",
    "XComModel",
]
