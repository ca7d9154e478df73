DROP TABLE fetch_hosts;
DROP TABLE jobs;
DROP TABLE sources;
