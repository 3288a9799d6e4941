-- The key store is its own database so it can be backed up and retained apart.
CREATE DATABASE custodian_keys;
