"""Servers' sizing read from the migration tools' exports, through `estate import`, and the
carbon estimate it then makes possible.

Each file below carries the header row the tool publishes:

- AWS Migration Hub: the supported import file fields of the Application Discovery Service
  User Guide ("Migration Hub Import"), in the template's order; RAM in MB, CPU utilisation a
  percentage, `Applications` a comma-delimited list;
- Azure Migrate: the import CSV as Azure Migrate's template writes it (`*Server Name`, `*Cores`,
  `*Memory (In MB)`, ..., `Disk 2 write ops (operations per second)`), as the rvtools2azmigrate
  converter writes it;
- RVTools: the 93 columns of a real RVTools vInfo sheet (memory and disk in MiB);
- ServiceNow: a `cmdb_ci_server` list with `ram` (MB) and `disk_space` (GB).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from estate.errors import InputError
from importers.profiles import parse_profile
from tests.conftest import Run

AS_OF = "2026-06-30"

AWS_FIELDS = [
    "ExternalId",
    "SMBiosId",
    "IPAddress",
    "MACAddress",
    "HostName",
    "VMware.MoRefId",
    "VMware.VCenterId",
    "CPU.NumberOfProcessors",
    "CPU.NumberOfCores",
    "CPU.NumberOfLogicalCores",
    "OS.Name",
    "OS.Version",
    "VMware.VMName",
    "RAM.TotalSizeInMB",
    "RAM.UsedSizeInMB.Avg",
    "RAM.UsedSizeInMB.Max",
    "CPU.UsagePct.Avg",
    "CPU.UsagePct.Max",
    "DiskReadsPerSecondInKB.Avg",
    "DiskWritesPerSecondInKB.Avg",
    "DiskReadsPerSecondInKB.Max",
    "DiskWritesPerSecondInKB.Max",
    "DiskReadsOpsPerSecond.Avg",
    "DiskWritesOpsPerSecond.Avg",
    "DiskReadsOpsPerSecond.Max",
    "DiskWritesOpsPerSecond.Max",
    "NetworkReadsPerSecondInKB.Avg",
    "NetworkWritesPerSecondInKB.Avg",
    "NetworkReadsPerSecondInKB.Max",
    "NetworkWritesPerSecondInKB.Max",
    "Applications",
    "Tags",
]

AZURE_FIELDS = [
    "*Server Name",
    "IP addresses",
    "*Cores",
    "*Memory (In MB)",
    "*OS name",
    "OS version",
    "OS architecture",
    "CPU utilization percentage",
    "Memory utilization percentage",
    "Network adapters",
    "Network In throughput",
    "Network Out throughput",
    "Boot type",
    "Number of disks",
    "Disk 1 size (In GB)",
    "Disk 1 read throughput (MB per second)",
    "Disk 1 write throughput (MB per second)",
    "Disk 1 read ops (operations per second)",
    "Disk 1 write ops (operations per second)",
    "Disk 2 size (In GB)",
    "Disk 2 read throughput (MB per second)",
    "Disk 2 write throughput (MB per second)",
    "Disk 2 read ops (operations per second)",
    "Disk 2 write ops (operations per second)",
]

VINFO_FIELDS = [
    "VM",
    "Powerstate",
    "Template",
    "SRM Placeholder",
    "Config status",
    "DNS Name",
    "Connection state",
    "Guest state",
    "Heartbeat",
    "Consolidation Needed",
    "PowerOn",
    "Suspended To Memory",
    "Suspend time",
    "Suspend Interval",
    "Creation date",
    "Change Version",
    "CPUs",
    "Overall Cpu Readiness",
    "Memory",
    "Active Memory",
    "NICs",
    "Disks",
    "Total disk capacity MiB",
    "Fixed Passthru HotPlug",
    "min Required EVC Mode Key",
    "Latency Sensitivity",
    "Op Notification Timeout",
    "EnableUUID",
    "CBT",
    "Primary IP Address",
    "Network #1",
    "Network #2",
    "Network #3",
    "Network #4",
    "Network #5",
    "Network #6",
    "Network #7",
    "Network #8",
    "Num Monitors",
    "Video Ram KiB",
    "Resource pool",
    "Folder ID",
    "Folder",
    "vApp",
    "DAS protection",
    "FT State",
    "FT Role",
    "FT Latency",
    "FT Bandwidth",
    "FT Sec. Latency",
    "Vm Failover In Progress",
    "Provisioned MiB",
    "In Use MiB",
    "Unshared MiB",
    "HA Restart Priority",
    "HA Isolation Response",
    "HA VM Monitoring",
    "Cluster rule(s)",
    "Cluster rule name(s)",
    "Boot Required",
    "Boot delay",
    "Boot retry delay",
    "Boot retry enabled",
    "Boot BIOS setup",
    "Reboot PowerOff",
    "EFI Secure boot",
    "Firmware",
    "HW version",
    "HW upgrade status",
    "HW upgrade policy",
    "HW target",
    "Path",
    "Log directory",
    "Snapshot directory",
    "Suspend directory",
    "Annotation",
    "Backup status",
    "ClusterInvariantVMMId",
    "Last backup",
    "Datacenter",
    "Cluster",
    "Host",
    "OS according to the configuration file",
    "OS according to the VMware Tools",
    "Customization Info",
    "Guest Detailed Data",
    "VM ID",
    "SMBIOS UUID",
    "VM UUID",
    "VI SDK Server type",
    "VI SDK API Version",
    "VI SDK Server",
    "VI SDK UUID",
]


def _csv(path: Path, fields: list[str], rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _aws_server(
    external: str, host: str, os_name: str, applications: str, **figures: Any
) -> dict[str, Any]:
    return {
        "ExternalId": external,
        "IPAddress": "10.70.0.1",
        "HostName": host,
        "OS.Name": os_name,
        "OS.Version": "8.6",
        "Applications": applications,
        "Tags": "zone:1",
        **{k.replace("_", "."): v for k, v in figures.items()},
    }


def _import(run: Run, db: Path, path: Path, *args: str) -> dict[str, Any]:
    if not db.exists():
        assert run("--db", db, "init").exit_code == 0
    result = run("--db", db, "import", "-d", "DWP", "--json", *args, path)
    (summary,) = json.loads(result.stdout)
    assert isinstance(summary, dict)
    return summary


def _show(run: Run, db: Path, key: str) -> dict[str, Any]:
    result = run("--db", db, "show", key, "--json")
    assert result.exit_code == 0, result.output
    shown: dict[str, Any] = json.loads(result.stdout)
    return shown


def _sizing(run: Run, db: Path, key: str) -> tuple[Any, ...]:
    shown = _show(run, db, key)
    names = ("virtual_machines", "vcpus", "memory_gb", "storage_tb", "cpu_utilisation")
    return tuple(shown[name] for name in names)


def _carbon(run: Run, db: Path) -> dict[str, dict[str, Any]]:
    result = run("--db", db, "carbon", "--as-of", AS_OF, "--json")
    assert result.exit_code == 0, result.output
    return {s["key"]: s for s in json.loads(result.stdout)["systems"]}


def _messages(summary: dict[str, Any], severity: str) -> list[str]:
    return [p["message"] for p in summary["problems"] if p["severity"] == severity]


def test_aws_migration_hub_servers_add_up_to_their_applications(tmp_path: Path, run: Run) -> None:
    path = _csv(
        tmp_path / "import_template.csv",
        AWS_FIELDS,
        [
            # In two applications: counted in each, and said.
            _aws_server(
                "srv-1",
                "pay-app01",
                "Red Hat Enterprise Linux",
                "Payments,Ledger",
                CPU_NumberOfProcessors=2,
                CPU_NumberOfCores=8,
                CPU_NumberOfLogicalCores=16,
                RAM_TotalSizeInMB=32768,
                CPU_UsagePct_Avg=20,
            ),
            _aws_server(
                "srv-2",
                "pay-db01",
                "Red Hat Enterprise Linux",
                "Payments",
                CPU_NumberOfProcessors=2,
                CPU_NumberOfCores=4,
                CPU_NumberOfLogicalCores=8,
                RAM_TotalSizeInMB=65536,
                CPU_UsagePct_Avg=50,
            ),
            # In no application: a system of its own.
            _aws_server(
                "srv-3",
                "tools01",
                "Ubuntu",
                "",
                CPU_NumberOfCores=2,
                CPU_NumberOfLogicalCores=4,
                RAM_TotalSizeInMB=8192,
                CPU_UsagePct_Avg=12.5,
            ),
        ],
    )
    db = tmp_path / "estate.db"
    summary = _import(run, db, path)
    assert summary["stored"], summary["problems"]
    # Payments: two servers, 16 + 8 threads, 32 + 64 GB, utilisation weighted by threads.
    assert _sizing(run, db, "DWP/Payments") == (2, 24, 96.0, None, 30.0)
    assert _sizing(run, db, "DWP/Ledger") == (1, 16, 32.0, None, 20.0)
    assert _sizing(run, db, "DWP/tools01") == (1, 4, 8.0, None, 12.5)
    (shared,) = [m for m in _messages(summary, "warning") if "more than one system" in m]
    assert "pay-app01 in Payments and Ledger" in shared
    # The physical cores are set aside for the threads, and said so: not "not read".
    (instead,) = [m for m in _messages(summary, "warning") if "CPU.NumberOfCores" in m]
    assert instead == (
        "1 column not imported, another giving the same: "
        "CPU.NumberOfCores (CPU.NumberOfLogicalCores read instead)"
    )
    carbon = _carbon(run, db)
    assert {key: s["basis"] for key, s in carbon.items()} == {
        "DWP/Payments": "servers and utilisation",
        "DWP/Ledger": "servers and utilisation",
        "DWP/tools01": "servers and utilisation",
    }
    working = " ".join(carbon["DWP/Payments"]["working"])
    assert "24 vCPUs" in working and "96 GB" in working and "30%" in working


def test_aws_physical_cores_where_no_logical_cores_and_blank_figures(
    tmp_path: Path, run: Run
) -> None:
    """Without CPU.NumberOfLogicalCores the physical cores are read; a server with no cores
    leaves the utilisation a plain mean, and the cores the sum of those given, said once."""
    fields = [f for f in AWS_FIELDS if f != "CPU.NumberOfLogicalCores"]
    path = _csv(
        tmp_path / "servers.csv",
        fields,
        [
            _aws_server("a", "hr-app01", "Ubuntu", "HR", CPU_NumberOfCores=8, CPU_UsagePct_Avg=10),
            _aws_server(
                "b", "hr-app02", "Ubuntu", "HR", RAM_TotalSizeInMB=4096, CPU_UsagePct_Avg=30
            ),
            # The same server again for the same application: counted once.
            _aws_server("a", "HR-APP01", "Ubuntu", "HR", CPU_NumberOfCores=8, CPU_UsagePct_Avg=10),
        ],
    )
    db = tmp_path / "estate.db"
    summary = _import(run, db, path)
    assert summary["stored"], summary["problems"]
    assert _sizing(run, db, "DWP/HR") == (2, 8, 4.0, None, 20.0)
    warnings = _messages(summary, "warning")
    assert any(
        m.startswith("CPU.NumberOfCores: not given for some servers of 1 system")
        and "none for hr-app02, 1 of its 2 servers" in m
        for m in warnings
    ), warnings
    assert any("server HR-APP01 of HR: rows 2 and 4" in m for m in warnings), warnings


def test_an_unreadable_figure_is_an_error_naming_its_cell_and_stores_nothing(
    tmp_path: Path, run: Run
) -> None:
    good = _aws_server(
        "srv-1",
        "pay-app01",
        "Ubuntu",
        "Payments",
        CPU_NumberOfLogicalCores=8,
        RAM_TotalSizeInMB=16384,
    )
    db = tmp_path / "estate.db"
    assert _import(run, db, _csv(tmp_path / "first.csv", AWS_FIELDS, [good]))["stored"]
    bad = [
        {**good, "CPU.NumberOfLogicalCores": 16, "RAM.TotalSizeInMB": "lots"},
        _aws_server("srv-2", "pay-db01", "Ubuntu", "Payments", CPU_UsagePct_Avg=140),
    ]
    path = _csv(tmp_path / "second.csv", AWS_FIELDS, bad)
    summary = _import(run, db, path)
    assert not summary["stored"]
    errors = [p for p in summary["problems"] if p["severity"] == "error"]
    assert [(p["file"], p["sheet"], p["row"], p["column"], p["value"]) for p in errors] == [
        ("second.csv", "second", 2, "N", "lots"),
        ("second.csv", "second", 3, "Q", "140"),
    ]
    # Each column named as the file heads it, and as the estate reads it.
    assert errors[0]["message"].startswith("RAM.TotalSizeInMB (read as Memory (GB)): not a number")
    assert errors[1]["message"].startswith(
        "CPU.UsagePct.Avg (read as Average CPU utilisation (%)): more than 100%"
    )
    assert _sizing(run, db, "DWP/Payments") == (1, 8, 16.0, None, None)
    # With --skip-invalid the other figures are stored; the memory, which one server's cell
    # could not give, keeps its stored value rather than a sum missing that server.
    summary = _import(run, db, path, "--skip-invalid")
    assert summary["stored"]
    assert _sizing(run, db, "DWP/Payments") == (2, 16, 16.0, None, None)


def test_azure_migrate_import_file(tmp_path: Path, run: Run) -> None:
    rows = [
        {
            "*Server Name": "contoso-web01",
            "IP addresses": "192.168.10.30",
            "*Cores": 4,
            "*Memory (In MB)": 8192,
            "*OS name": "Windows Server 2012 R2",
            "OS architecture": "x64",
            "CPU utilization percentage": 35,
            "Boot type": "BIOS",
            "Disk 1 size (In GB)": 120,
        },
        {
            "*Server Name": "contoso-lnx01",
            "*Cores": 2,
            "*Memory (In MB)": 4096,
            "*OS name": "Ubuntu Linux",
            "OS version": "18.04",
            "Disk 1 size (In GB)": 40,
        },
    ]
    path = _csv(tmp_path / "AzureMigrateimporttemplate.csv", AZURE_FIELDS, rows)
    db = tmp_path / "estate.db"
    summary = _import(run, db, path)
    assert summary["stored"], summary["problems"]
    assert summary["profiles"] == {"AzureMigrateimporttemplate": "Azure Migrate server import"}
    assert _sizing(run, db, "DWP/contoso-web01") == (1, 4, 8.0, None, 35.0)
    assert _sizing(run, db, "DWP/contoso-lnx01") == (1, 2, 4.0, None, None)
    carbon = _carbon(run, db)
    assert all(s["basis"] == "servers and utilisation" for s in carbon.values())


def test_azure_migrate_server_type_counts_physical_servers_apart(tmp_path: Path, run: Run) -> None:
    """The template's optional `Server type` (Physical or Virtual): a physical server is the
    system's own physical server (its embodied carbon counted), a virtual one a virtual
    machine; a word that is neither is said, and that server counted as a virtual machine."""
    fields = [*AZURE_FIELDS[:7], "Server type", "Hypervisor", *AZURE_FIELDS[7:]]
    rows = [
        {
            "*Server Name": "web-01",
            "*Cores": 4,
            "*Memory (In MB)": 8192,
            "*OS name": "Windows Server 2019",
            "Server type": "Virtual",
            "Hypervisor": "VMware",
        },
        {
            "*Server Name": "db-01",
            "*Cores": 16,
            "*Memory (In MB)": 65536,
            "*OS name": "Red Hat Enterprise Linux 8",
            "Server type": "Physical",
        },
        {
            "*Server Name": "odd-01",
            "*Cores": 2,
            "*Memory (In MB)": 4096,
            "*OS name": "Ubuntu",
            "Server type": "Container",
        },
        {"*Server Name": "plain-01", "*Cores": 2, "*Memory (In MB)": 4096, "*OS name": "Ubuntu"},
    ]
    db = tmp_path / "estate.db"
    summary = _import(run, db, _csv(tmp_path / "AzureMigrateimporttemplate.csv", fields, rows))
    assert summary["stored"], summary["problems"]
    counts = {
        key: (shown["physical_servers"], shown["virtual_machines"])
        for key in ("DWP/web-01", "DWP/db-01", "DWP/odd-01", "DWP/plain-01")
        for shown in [_show(run, db, key)]
    }
    assert counts == {
        "DWP/web-01": (0, 1),
        "DWP/db-01": (1, 0),
        "DWP/odd-01": (None, 1),  # not said: how many physical servers is not known
        "DWP/plain-01": (None, 1),
    }
    (odd,) = [m for m in _messages(summary, "warning") if "Container" in m]
    assert odd.startswith("Server type: 'Container' neither physical nor virtual")
    assert not any(
        "Server type" in m and "not imported" in m for m in _messages(summary, "warning")
    )
    carbon = _carbon(run, db)
    assert all(s["basis"] == "servers and utilisation" for s in carbon.values())


def test_servicenow_virtual_flag_counts_physical_servers_apart(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "cmdb_ci_server.csv"
    path.write_text(
        "name,sys_class_name,os,os_version,operational_status,u_application,virtual,ram\n"
        "CLAIMS-APP01,Windows Server,Windows 2016 Datacenter,10.0.14393,Operational,"
        "Benefit Claims,true,16384\n"
        "CLAIMS-APP02,Windows Server,Windows 2016 Datacenter,10.0.14393,Operational,"
        "Benefit Claims,true,16384\n"
        "CLAIMS-DB01,Linux Server,Red Hat Enterprise Linux 8,8.6,Operational,"
        "Benefit Claims,false,65536\n",
        encoding="utf-8",
    )
    db = tmp_path / "estate.db"
    summary = _import(run, db, path)
    assert summary["stored"], summary["problems"]
    shown = _show(run, db, "DWP/Benefit Claims")
    assert (shown["physical_servers"], shown["virtual_machines"], shown["memory_gb"]) == (
        1,
        2,
        96.0,
    )


def test_rvtools_vinfo_sheet(tmp_path: Path, run: Run) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "vInfo"
    sheet.append(VINFO_FIELDS)
    for vm, cpus, memory, provisioned, guest in (
        ("app-01", 4, 8192, 102400, "Ubuntu Linux (64-bit)"),
        ("db-ora-01", 16, 65536, 1048576, "Oracle Linux 7 (64-bit)"),
    ):
        values = {
            "VM": vm,
            "Powerstate": "poweredOn",
            "Template": False,
            "CPUs": cpus,
            "Memory": memory,
            "Disks": 2,
            "Total disk capacity MiB": provisioned,
            "Provisioned MiB": provisioned,
            "In Use MiB": provisioned // 2,
            "Datacenter": "dc-leeds",
            "Cluster": "cluster-a",
            "Host": "esx-01.corp.local",
            "OS according to the configuration file": guest,
        }
        sheet.append([values.get(name) for name in VINFO_FIELDS])
    path = tmp_path / "RVTools_export_all.xlsx"
    book.save(path)
    db = tmp_path / "estate.db"
    summary = _import(run, db, path)
    assert summary["stored"], summary["problems"]
    assert _sizing(run, db, "DWP/app-01") == (1, 4, 8.0, 0.09765625, None)
    assert _sizing(run, db, "DWP/db-ora-01") == (1, 16, 64.0, 1.0, None)
    carbon = _carbon(run, db)
    assert all(s["basis"] == "servers and utilisation" for s in carbon.values())


RVTOOLS_TABS = {
    "vCPU": ["VM", "Powerstate", "Template", "SRM Placeholder", "CPUs", "Sockets", "Cores p/s"],
    "vMemory": ["VM", "Powerstate", "Template", "SRM Placeholder", "Size MiB", "Overhead"],
    "vDisk": ["VM", "Powerstate", "Template", "SRM Placeholder", "Disk", "Capacity MiB", "Thin"],
    "vHost": ["Host", "Datacenter", "Cluster", "Config status", "CPU Model", "# CPU"],
    "vDatastore": ["Name", "Config status", "Address", "Type", "# VMs", "Capacity MiB"],
}
"""The first columns of five of the other tabs an RVTools export writes beside vInfo, as a real
RVTools 4.x export heads them (each VM's tabs start as vInfo does, with VM and Powerstate)."""


def test_an_rvtools_workbook_with_every_tab_imports_its_vinfo_and_names_the_rest(
    tmp_path: Path, run: Run
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "vInfo"
    sheet.append(VINFO_FIELDS)
    values = {"VM": "app-01", "Powerstate": "poweredOn", "CPUs": 4, "Memory": 8192}
    sheet.append([values.get(name) for name in VINFO_FIELDS])
    for title, headers in RVTOOLS_TABS.items():
        tab = book.create_sheet(title)
        tab.append(headers)
        tab.append(["app-01", "poweredOn", False, False, 4, 1, 4][: len(headers)])
    path = tmp_path / "RVTools_export_all.xlsx"
    book.save(path)
    db = tmp_path / "estate.db"
    summary = _import(run, db, path)
    assert summary["stored"], summary["problems"]
    assert summary["summary"]["new"] == 1
    assert not [p for p in summary["problems"] if p["severity"] == "error"]
    (note,) = [p for p in summary["problems"] if "other sheets" in p["message"]]
    assert note["sheet"] == "vInfo"
    assert note["message"].startswith("5 other sheets of the RVTools export not read: ")
    assert all(title in note["message"] for title in RVTOOLS_TABS)
    assert _sizing(run, db, "DWP/app-01")[:3] == (1, 4, 8.0)


AZURE_ASSESSMENT_MACHINES = [
    "Machine", "VM host", "Azure VM readiness", "Azure readiness issues",
    "Data collection issues", "Recommended size", "Compute monthly cost estimate USD",
    "Storage monthly cost estimate USD", "Operating system", "Boot type", "Cores", "Memory(MB)",
    "CPU usage(%)", "Memory usage(%)", "Storage(GB)", "Standard HDD disks",
    "Standard SSD disks", "Premium disks", "Ultra disks", "Disk read(ops/sec)",
    "Disk write(ops/sec)", "Disk read(MBPS)", "Disk write(MBPS)", "Network adapters",
    "IP address", "MAC address", "Network in(MBPS)", "Network out(MBPS)", "Group name",
]  # fmt: skip
"""The All_Assessed_Machines header row of an Azure Migrate assessment export, in the order
public deployment scripts built on the export read it (`Import-Csv -Header`)."""


def test_an_azure_migrate_assessment_workbook_imports_its_machines_and_names_the_rest(
    tmp_path: Path, run: Run
) -> None:
    """The portal's export puts the assessment's settings (Assessment_Summary) before the
    machines and their disks after: both are the tool's own sheets, set aside in one warning,
    the one before as much as the one after."""
    book = Workbook()
    summary_sheet = book.active
    assert summary_sheet is not None
    summary_sheet.title = "Assessment_Summary"
    for row in [("Assessment name", "vm-assess-1"), ("Sizing criterion", "Performance-based")]:
        summary_sheet.append(row)
    machines = book.create_sheet("All_Assessed_Machines")
    machines.append(AZURE_ASSESSMENT_MACHINES)
    values = {
        "Machine": "FIN-DB01",
        "Azure VM readiness": "Ready with conditions",
        "Recommended size": "Standard_E8s_v5",
        "Operating system": "Microsoft Windows Server 2008 R2 (64-bit)",
        "Cores": 8,
        "Memory(MB)": 65536,
        "CPU usage(%)": 40,
        "Storage(GB)": 512,
    }
    machines.append([values.get(name) for name in AZURE_ASSESSMENT_MACHINES])
    disks = book.create_sheet("All_Assessed_Disks")
    disks.append(["Machine", "Disk name", "Azure disk readiness", "Recommended disk size SKU"])
    disks.append(["FIN-DB01", "scsi0:0", "Ready", "Premium_P20"])
    path = tmp_path / "AzMigrateAssessReport.xlsx"
    book.save(path)
    db = tmp_path / "estate.db"
    summary = _import(run, db, path)
    assert summary["stored"], summary["problems"]
    assert summary["summary"]["new"] == 1
    assert not _messages(summary, "error")
    assert not [m for m in _messages(summary, "warning") if m.startswith("sheet not read")]
    (note,) = [p for p in summary["problems"] if "other sheets" in p["message"]]
    assert note["sheet"] == "All_Assessed_Machines"
    assert note["message"].startswith(
        "2 other sheets of the Azure Migrate export not read: Assessment_Summary, "
        "All_Assessed_Disks;"
    )
    assert _sizing(run, db, "DWP/FIN-DB01") == (1, 8, 64.0, 0.5, 40.0)


def test_a_sheet_the_tool_does_not_write_is_still_read_as_its_own(tmp_path: Path, run: Run) -> None:
    """Only the sheets the tool writes are set aside: a second systems sheet of another name
    beside an RVTools vInfo is still refused, not dropped."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "vInfo"
    sheet.append(VINFO_FIELDS)
    sheet.append(["app-01" if name == "VM" else None for name in VINFO_FIELDS])
    extra = book.create_sheet("More VMs")
    extra.append(VINFO_FIELDS)
    extra.append(["app-02" if name == "VM" else None for name in VINFO_FIELDS])
    path = tmp_path / "two.xlsx"
    book.save(path)
    summary = _import(run, tmp_path / "estate.db", path)
    assert not summary["stored"]
    assert any(p["severity"] == "error" and p["sheet"] == "More VMs" for p in summary["problems"])


def test_rvtools_csv_export_reads_mib(tmp_path: Path, run: Run) -> None:
    exports = Path(__file__).parent / "exports"
    db = tmp_path / "estate.db"
    summary = _import(run, db, exports / "rvtools-vinfo-csv.csv")
    assert summary["stored"], summary["problems"]
    assert _sizing(run, db, "DWP/db-ora-01")[:3] == (1, 16, 64.0)


def test_servicenow_servers_memory_and_disk_by_application(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "cmdb_ci_server.csv"
    path.write_text(
        "name,sys_class_name,os,os_version,ip_address,operational_status,u_application,"
        "cpu_count,ram,disk_space\n"
        "CLAIMS-APP01,Windows Server,Windows 2016 Datacenter,10.0.14393,10.1.0.11,Operational,"
        "Benefit Claims,2,16384,100\n"
        "CLAIMS-DB01,Windows Server,Windows 2016 Datacenter,10.0.14393,10.1.0.12,Operational,"
        "Benefit Claims,4,65536,924\n",
        encoding="utf-8",
    )
    db = tmp_path / "estate.db"
    summary = _import(run, db, path)
    assert summary["stored"], summary["problems"]
    assert _sizing(run, db, "DWP/Benefit Claims") == (2, None, 80.0, 1.0, None)


def _profile_data(**extra: Any) -> dict[str, Any]:
    """A profile's TOML data, as read, with `extra` keys."""
    return {"name": "x", "tool": "x", "source": "x", "kind": "systems", **extra}


def test_a_profile_unit_must_be_one_its_field_reads() -> None:
    base = _profile_data(
        signature=["Host", "RAM"],
        columns={"Host": "name", "RAM": "memory_gb", "Disk": "ignore"},
    )
    assert parse_profile("ok", {**base, "units": {"RAM": "MiB"}}).units == {"ram": "mib"}
    with pytest.raises(InputError, match="'RAM' = 'MHz' is not a unit of memory_gb"):
        parse_profile("bad-unit", {**base, "units": {"RAM": "MHz"}})
    with pytest.raises(InputError, match="unit given for 'Disk', which is not read as"):
        parse_profile("bad-column", {**base, "units": {"Disk": "GB"}})


def test_a_profile_server_kind_must_be_physical_or_virtual() -> None:
    base = _profile_data(
        signature=["Host"], columns={"Host": "name"}, server="Host", server_kind="Type"
    )
    found = parse_profile("ok", {**base, "server_kinds": {"Bare Metal": "physical"}})
    assert (found.server_kind, found.server_kinds) == ("type", {"bare metal": "physical"})
    with pytest.raises(InputError, match="'VM' = 'cloud' is not one of physical, virtual"):
        parse_profile("bad-kind", {**base, "server_kinds": {"VM": "cloud"}})


def test_a_register_of_servers_by_application_adds_up_without_a_profile(
    tmp_path: Path, run: Run
) -> None:
    """The general reading groups rows naming a server and its application the same way (the
    application in the first column too), and reads memory in the unit its header names."""
    path = tmp_path / "servers.csv"
    path.write_text(
        "Application,Server name,Operating system,vCPUs,Memory (MB),CPU utilisation\n"
        "Case Manager,cm-web01,Windows Server 2016,4,8192,10\n"
        "Case Manager,cm-db01,Windows Server 2016,12,49152,50\n",
        encoding="utf-8",
    )
    db = tmp_path / "estate.db"
    summary = _import(run, db, path)
    assert summary["stored"], summary["problems"]
    assert _sizing(run, db, "DWP/Case Manager") == (2, 16, 56.0, None, 40.0)


AZURE_CSV_AS_DOCUMENTED = ["Server name", "IP address", "Cores", "Memory", "OS name", "OS version"]
"""The first fields of Azure Migrate's CSV import as its tutorial names them ("Assess servers
using an imported CSV file"): its Memory is "Total RAM, in MB"."""


def test_memory_no_server_holds_for_its_vcpus_is_named_as_megabytes_most_likely(
    tmp_path: Path, run: Run
) -> None:
    servers = [
        ["web01.corp.example.gov.uk", "10.0.0.11", 4, 8192, "Windows Server 2008 R2", "6.1.7601"],
        ["esx07.corp.example.gov.uk", "10.0.0.16", 32, 262144, "VMware ESXi 6", "6.7"],
    ]
    rows = [dict(zip(AZURE_CSV_AS_DOCUMENTED, server, strict=True)) for server in servers]
    db = tmp_path / "estate.db"
    summary = _import(run, db, _csv(tmp_path / "servers.csv", AZURE_CSV_AS_DOCUMENTED, rows))
    assert summary["stored"], summary["problems"]
    flagged = [p for p in summary["problems"] if "more memory for its vCPUs" in p["message"]]
    assert [(p["column"], p["row"], p["value"]) for p in flagged] == [
        ("D", 2, "8,192 GB for 4 vCPUs"),
        ("D", 3, "262,144 GB for 32 vCPUs"),
    ]
    assert "name the unit in its header (Memory (MB))" in flagged[0]["message"]
    named = [*AZURE_CSV_AS_DOCUMENTED[:3], "Memory (MB)", *AZURE_CSV_AS_DOCUMENTED[4:]]
    renamed = [dict(zip(named, server, strict=True)) for server in servers]
    again = _import(run, tmp_path / "named.db", _csv(tmp_path / "named.csv", named, renamed))
    assert not [p for p in again["problems"] if "more memory for its vCPUs" in p["message"]]
    assert _sizing(run, tmp_path / "named.db", "DWP/web01.corp.example.gov.uk")[1:3] == (4, 8.0)
