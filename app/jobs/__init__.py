"""The job queue: Huey on an embedded SQLite file (default) or on Redis, chosen by QUEUE_URL.

The database holds the work (tally jobs, mail in the outbox); the queue only wakes a worker up to do
it. Huey removes a task from its queue before running it, so a worker killed mid-task loses the task:
periodic sweeps find the work the database still shows as unfinished and enqueue it again.
"""
