# Real Celery workers, as the job tests start them.
from tests.jobs.conftest import celery_worker, worker, worker_factory  # noqa: F401
