-- Runs once, on the first start of an empty PostgreSQL data volume (docker-entrypoint-initdb.d).
-- One database per service; each service's migrations create its tables.
CREATE DATABASE rcp_orders;
CREATE DATABASE rcp_gateway;
CREATE DATABASE rcp_notifications;
CREATE DATABASE rcp_simulator;
