-- Run by the postgres image once, when it initializes an empty data volume. The image creates the
-- flow role and database itself from POSTGRES_USER and POSTGRES_DB. flow is then the bootstrap
-- superuser, so it may also open replication connections.
CREATE DATABASE flow_source OWNER flow;
