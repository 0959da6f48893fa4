-- The estate schema version 1 as its release created it (SQLite), for the upgrade tests.
CREATE TABLE organisation (
	id INTEGER NOT NULL, 
	code VARCHAR(32) NOT NULL, 
	name VARCHAR NOT NULL, 
	kind VARCHAR(17) NOT NULL, 
	parent_id INTEGER, 
	PRIMARY KEY (id), 
	CONSTRAINT ck_org_kind CHECK (kind IN ('Department', 'Arm''s-length body')), 
	FOREIGN KEY(parent_id) REFERENCES organisation (id) ON DELETE RESTRICT
);
CREATE UNIQUE INDEX ix_organisation_code ON organisation (code);
CREATE TABLE lifecycle_cycle (
	id INTEGER NOT NULL, 
	product VARCHAR NOT NULL, 
	product_title VARCHAR NOT NULL, 
	cycle VARCHAR NOT NULL, 
	release DATE, 
	support_end DATE, 
	security_end DATE, 
	extended_end DATE, 
	security_ended BOOLEAN NOT NULL, 
	source VARCHAR NOT NULL, 
	imported_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_lifecycle_product_cycle UNIQUE (product, cycle)
);
CREATE INDEX ix_lifecycle_cycle_product ON lifecycle_cycle (product);
CREATE TABLE estate_schema (
	id INTEGER NOT NULL, 
	application VARCHAR NOT NULL, 
	version INTEGER NOT NULL, 
	upgraded_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE import_batch (
	id INTEGER NOT NULL, 
	organisation_id INTEGER NOT NULL, 
	file_name VARCHAR NOT NULL, 
	file_sha256 VARCHAR(64) NOT NULL, 
	imported_at DATETIME NOT NULL, 
	rows_new INTEGER NOT NULL, 
	rows_changed INTEGER NOT NULL, 
	rows_unchanged INTEGER NOT NULL, 
	rows_rejected INTEGER NOT NULL, 
	rows_missing INTEGER NOT NULL, 
	column_map JSON NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(organisation_id) REFERENCES organisation (id) ON DELETE RESTRICT
);
CREATE INDEX ix_import_batch_organisation_id ON import_batch (organisation_id);
CREATE TABLE system (
	id INTEGER NOT NULL, 
	organisation_id INTEGER NOT NULL, 
	reference VARCHAR(64) NOT NULL, 
	name VARCHAR NOT NULL, 
	description VARCHAR, 
	business_owner VARCHAR, 
	technical_owner VARCHAR, 
	criticality VARCHAR(8), 
	services_supported VARCHAR, 
	users INTEGER, 
	hosting VARCHAR(23), 
	cloud_provider VARCHAR, 
	classification VARCHAR(18), 
	personal_data BOOLEAN, 
	internet_facing BOOLEAN, 
	lifecycle_status VARCHAR(20), 
	supplier VARCHAR, 
	contract_end DATE, 
	annual_run_cost FLOAT, 
	sign_in VARCHAR(16), 
	skilled_staff INTEGER, 
	incidents_12m INTEGER, 
	open_critical_vulns INTEGER, 
	last_pen_test DATE, 
	hardware_age_years FLOAT, 
	remediation_plan VARCHAR, 
	plan_funded BOOLEAN, 
	planned_disposition VARCHAR(10), 
	target_date DATE, 
	assessed_by VARCHAR, 
	assessed_on DATE, 
	l1 INTEGER, 
	l2 INTEGER, 
	l3 INTEGER, 
	l4 INTEGER, 
	l5 INTEGER, 
	l6 INTEGER, 
	l7 INTEGER, 
	c1 INTEGER, 
	c2 INTEGER, 
	c3 INTEGER, 
	c4 INTEGER, 
	c5 INTEGER, 
	c6 INTEGER, 
	notes VARCHAR, 
	missing_from_latest_return BOOLEAN NOT NULL, 
	source_batch_id INTEGER, 
	source_row INTEGER, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_system_org_reference UNIQUE (organisation_id, reference), 
	CONSTRAINT ck_system_l1_range CHECK (l1 BETWEEN 1 AND 6), 
	CONSTRAINT ck_system_l2_range CHECK (l2 BETWEEN 1 AND 6), 
	CONSTRAINT ck_system_l3_range CHECK (l3 BETWEEN 1 AND 6), 
	CONSTRAINT ck_system_l4_range CHECK (l4 BETWEEN 1 AND 6), 
	CONSTRAINT ck_system_l5_range CHECK (l5 BETWEEN 1 AND 6), 
	CONSTRAINT ck_system_l6_range CHECK (l6 BETWEEN 1 AND 6), 
	CONSTRAINT ck_system_l7_range CHECK (l7 BETWEEN 1 AND 6), 
	CONSTRAINT ck_system_c1_range CHECK (c1 BETWEEN 1 AND 5), 
	CONSTRAINT ck_system_c2_range CHECK (c2 BETWEEN 1 AND 5), 
	CONSTRAINT ck_system_c3_range CHECK (c3 BETWEEN 1 AND 5), 
	CONSTRAINT ck_system_c4_range CHECK (c4 BETWEEN 1 AND 5), 
	CONSTRAINT ck_system_c5_range CHECK (c5 BETWEEN 1 AND 5), 
	CONSTRAINT ck_system_c6_range CHECK (c6 BETWEEN 1 AND 5), 
	CONSTRAINT ck_system_users CHECK (users IS NULL OR users >= 0), 
	CONSTRAINT ck_system_annual_run_cost CHECK (annual_run_cost IS NULL OR annual_run_cost >= 0), 
	CONSTRAINT ck_system_staff CHECK (skilled_staff IS NULL OR skilled_staff >= 0), 
	CONSTRAINT ck_system_incidents CHECK (incidents_12m IS NULL OR incidents_12m >= 0), 
	CONSTRAINT ck_system_vulns CHECK (open_critical_vulns IS NULL OR open_critical_vulns >= 0), 
	CONSTRAINT ck_system_hw_age CHECK (hardware_age_years IS NULL OR hardware_age_years >= 0), 
	FOREIGN KEY(organisation_id) REFERENCES organisation (id) ON DELETE RESTRICT, 
	CONSTRAINT ck_criticality CHECK (criticality IN ('Critical', 'High', 'Medium', 'Low')), 
	CONSTRAINT ck_hosting CHECK (hosting IN ('On-premises data centre', 'Co-location', 'Private cloud', 'Public cloud IaaS', 'Public cloud PaaS', 'SaaS')), 
	CONSTRAINT ck_classification CHECK (classification IN ('OFFICIAL', 'OFFICIAL-SENSITIVE', 'SECRET', 'TOP SECRET')), 
	CONSTRAINT ck_lifecycle_status CHECK (lifecycle_status IN ('Planned', 'In development', 'Live', 'Being decommissioned', 'Retired')), 
	CONSTRAINT ck_sign_in CHECK (sign_in IN ('GOV.UK One Login', 'Own accounts', 'Directory', 'None')), 
	CONSTRAINT ck_disposition CHECK (planned_disposition IN ('Retire', 'Retain', 'Rehost', 'Relocate', 'Replatform', 'Repurchase', 'Refactor')), 
	FOREIGN KEY(source_batch_id) REFERENCES import_batch (id) ON DELETE RESTRICT
);
CREATE INDEX ix_system_source_batch_id ON system (source_batch_id);
CREATE INDEX ix_system_organisation_id ON system (organisation_id);
CREATE TABLE system_source (
	id INTEGER NOT NULL, 
	system_id INTEGER NOT NULL, 
	batch_id INTEGER NOT NULL, 
	"row" INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(system_id) REFERENCES system (id) ON DELETE CASCADE, 
	FOREIGN KEY(batch_id) REFERENCES import_batch (id) ON DELETE RESTRICT
);
CREATE INDEX ix_system_source_system_id ON system_source (system_id);
CREATE TABLE component (
	id INTEGER NOT NULL, 
	system_id INTEGER NOT NULL, 
	kind VARCHAR(19) NOT NULL, 
	product VARCHAR NOT NULL, 
	version VARCHAR NOT NULL, 
	vendor VARCHAR, 
	end_of_support DATE, 
	source_batch_id INTEGER, 
	source_row INTEGER, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_component_system_product UNIQUE (system_id, kind, product, version), 
	FOREIGN KEY(system_id) REFERENCES system (id) ON DELETE CASCADE, 
	CONSTRAINT ck_component_kind CHECK (kind IN ('Operating system', 'Database', 'Language/runtime', 'Middleware', 'Application package', 'Hardware')), 
	FOREIGN KEY(source_batch_id) REFERENCES import_batch (id) ON DELETE RESTRICT
);
CREATE INDEX ix_component_system_id ON component (system_id);
CREATE TABLE dependency (
	id INTEGER NOT NULL, 
	from_system_id INTEGER NOT NULL, 
	to_org_code VARCHAR NOT NULL, 
	to_reference VARCHAR NOT NULL, 
	to_system_id INTEGER, 
	kind VARCHAR(15) NOT NULL, 
	criticality VARCHAR(8), 
	description VARCHAR, 
	source_batch_id INTEGER, 
	source_row INTEGER, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_dependency_edge UNIQUE (from_system_id, to_org_code, to_reference, kind), 
	FOREIGN KEY(from_system_id) REFERENCES system (id) ON DELETE CASCADE, 
	FOREIGN KEY(to_system_id) REFERENCES system (id) ON DELETE SET NULL, 
	CONSTRAINT ck_dependency_kind CHECK (kind IN ('API', 'File transfer', 'Shared database', 'Batch', 'Identity')), 
	CONSTRAINT ck_criticality CHECK (criticality IN ('Critical', 'High', 'Medium', 'Low')), 
	FOREIGN KEY(source_batch_id) REFERENCES import_batch (id) ON DELETE RESTRICT
);
CREATE INDEX ix_dependency_to_system_id ON dependency (to_system_id);
CREATE INDEX ix_dependency_from_system_id ON dependency (from_system_id);
CREATE INDEX ix_dependency_target_key ON dependency (to_org_code, to_reference);
CREATE TABLE security_assessment (
	id INTEGER NOT NULL, 
	system_id INTEGER NOT NULL, 
	principle VARCHAR(5) NOT NULL, 
	outcome VARCHAR(18) NOT NULL, 
	assessed_on DATE, 
	notes VARCHAR, 
	source_batch_id INTEGER, 
	source_row INTEGER, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_assessment_system_principle UNIQUE (system_id, principle), 
	FOREIGN KEY(system_id) REFERENCES system (id) ON DELETE CASCADE, 
	CONSTRAINT ck_principle CHECK (principle IN ('A1', 'A2', 'A3', 'A4', 'B1', 'B2', 'B3', 'B4', 'B5', 'B6', 'C1', 'C2', 'D1', 'D2', 'SbD1', 'SbD2', 'SbD3', 'SbD4', 'SbD5', 'SbD6', 'SbD7', 'SbD8', 'SbD9', 'SbD10')), 
	CONSTRAINT ck_outcome CHECK (outcome IN ('Achieved', 'Partially achieved', 'Not achieved', 'Not assessed')), 
	FOREIGN KEY(source_batch_id) REFERENCES import_batch (id) ON DELETE RESTRICT
);
CREATE INDEX ix_security_assessment_system_id ON security_assessment (system_id);
INSERT INTO estate_schema (id, application, version, upgraded_at) VALUES (1, 'estate', 1, '2026-01-01 00:00:00');
