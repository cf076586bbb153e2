"""Django's PostgreSQL backend, except that while the database is known not to answer
(cms.database), a new connection is refused at once instead of waiting
DATABASE_CONNECT_TIMEOUT for nothing, holding up the visitors queued behind."""

from django.db.backends.postgresql import base

from cms.database import database_health


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        if database_health.refuses_connections():
            raise self.Database.OperationalError("the database did not answer just now")
        return super().get_new_connection(conn_params)
