"""Matching against a corpus of version strings as systems, tools and people write them.

Each string comes with what it must resolve to: "PRODUCT CYCLE" (that release, no doubt),
"ambiguous PRODUCT CYCLE" (several releases fit: the one assumed, reported as ambiguous),
"unknown PRODUCT" (the product, but no release) or "unknown" (no product in the catalogue).
"""

from __future__ import annotations

import pytest

from estate.catalogue import Match, builtin, tokens

CORPUS: list[tuple[str, str]] = [
    # Windows captions (Win32_OperatingSystem.Caption)
    ("Microsoft Windows Server 2003 Standard Edition", "windows-server 2003"),
    ("Microsoft(R) Windows(R) Server 2003, Enterprise Edition", "windows-server 2003"),
    ("Microsoft Windows Server 2003 R2 Standard x64 Edition", "windows-server 2003"),
    ("Microsoft Windows Server 2008 Standard", "windows-server 2008"),
    ("Microsoft Windows Server 2008 Enterprise without Hyper-V", "windows-server 2008"),
    ("Microsoft Windows Server 2008 R2 Standard", "windows-server 2008-r2"),
    ("Microsoft Windows Server 2008 R2 Enterprise", "windows-server 2008-r2"),
    ("Microsoft Windows Server 2008 R2 Datacenter", "windows-server 2008-r2"),
    ("Microsoft Windows Server 2012 Standard", "windows-server 2012"),
    ("Microsoft Windows Server 2012 R2 Standard", "windows-server 2012-r2"),
    ("Microsoft Windows Server 2012 R2 Datacenter", "windows-server 2012-r2"),
    ("Microsoft Windows Server 2016 Standard", "windows-server 2016"),
    ("Microsoft Windows Server 2016 Datacenter", "windows-server 2016"),
    ("Microsoft Windows Server 2019 Standard", "windows-server 2019"),
    ("Microsoft Windows Server 2019 Datacenter", "windows-server 2019"),
    ("Microsoft Windows Server 2022 Standard", "windows-server 2022"),
    ("Microsoft Windows Server 2022 Datacenter: Azure Edition", "windows-server 2022"),
    ("Microsoft Windows Server 2025 Datacenter", "windows-server 2025"),
    ("Microsoft Windows 2000 Server", "windows-server 2000"),
    ("Microsoft Windows XP Professional", "windows 5"),
    ("Microsoft Windows 7 Enterprise", "windows 7"),
    ("Microsoft Windows 7 Professional", "windows 7"),
    ("Microsoft Windows 8.1 Pro", "windows 8.1"),
    ("Microsoft Windows 10 Enterprise", "windows 10"),
    ("Microsoft Windows 10 Pro", "windows 10"),
    ("Microsoft Windows 11 Enterprise", "windows 11"),
    ("Microsoft Windows 11 Pro", "windows 11"),
    # systeminfo
    (
        "OS Name:                   Microsoft Windows Server 2012 R2 Standard",
        "windows-server 2012-r2",
    ),
    ("OS Name:                   Microsoft Windows Server 2016 Datacenter", "windows-server 2016"),
    (
        "OS Name:                   Microsoft Windows Server 2008 R2 Enterprise",
        "windows-server 2008-r2",
    ),
    ("OS Name:                   Microsoft Windows 10 Enterprise", "windows 10"),
    ("Windows Server 2008 R2 Standard Service Pack 1", "windows-server 2008-r2-sp1"),
    ("Windows Server 2003 Service Pack 2", "windows-server 2003-sp2"),
    ("Windows Server 2003 SP1", "windows-server 2003-sp1"),
    ("Windows Server 2008 SP2", "windows-server 2008-sp2"),
    ("Windows 7 SP1", "windows 7-sp1"),
    ("Windows 10 22H2", "windows 10-22h2"),
    ("Windows 10 Enterprise 21H2", "ambiguous windows 10-21h2-w"),
    ("Windows 11 23H2", "ambiguous windows 11-23h2-w"),
    # shorthand
    ("W2K3", "windows-server 2003"),
    ("W2K3 SP2", "windows-server 2003-sp2"),
    ("Win2k3", "windows-server 2003"),
    ("Win2k8", "windows-server 2008"),
    ("W2K8R2", "windows-server 2008-r2"),
    ("Win2k8 R2", "windows-server 2008-r2"),
    ("W2K12", "windows-server 2012"),
    ("W2K12R2", "windows-server 2012-r2"),
    ("W2K16", "windows-server 2016"),
    ("W2K19", "windows-server 2019"),
    ("Server 2003", "windows-server 2003"),
    ("Server 2008 R2", "windows-server 2008-r2"),
    ("Server 2012 R2", "windows-server 2012-r2"),
    ("Win 2008 R2", "windows-server 2008-r2"),
    ("Windows 2008", "windows-server 2008"),
    ("Windows 2003", "windows-server 2003"),
    ("Windows 2012R2", "windows-server 2012-r2"),
    ("NT 4.0", "windows-server nt4"),
    ("Windows NT 4.0", "windows-server nt4"),
    ("Windows NT Server 4.0", "windows-server nt4"),
    ("WinXP", "windows 5"),
    ("Windows XP SP3", "windows 5-sp3"),
    ("Win7", "windows 7"),
    ("Windows Vista", "windows 6"),
    ("Windows Server", "unknown windows-server"),
    # /etc/redhat-release and friends
    ("Red Hat Enterprise Linux Server release 5.11 (Tikanga)", "rhel 5"),
    ("Red Hat Enterprise Linux Server release 6.10 (Santiago)", "rhel 6"),
    ("Red Hat Enterprise Linux Server release 7.9 (Maipo)", "rhel 7"),
    ("Red Hat Enterprise Linux release 8.10 (Ootpa)", "rhel 8"),
    ("Red Hat Enterprise Linux release 9.4 (Plow)", "rhel 9"),
    ("Red Hat Enterprise Linux release 10.0 (Coughlan)", "rhel 10"),
    ("Red Hat Enterprise Linux ES release 4 (Nahant Update 9)", "rhel 4"),
    ("CentOS Linux release 7.9.2009 (Core)", "centos 7"),
    ("CentOS release 6.10 (Final)", "centos 6"),
    ("CentOS Linux release 8.5.2111", "centos 8"),
    ("Oracle Linux Server release 7.9", "oracle-linux 7"),
    ("Oracle Linux Server release 8.10", "oracle-linux 8"),
    ("RHEL 6.10", "rhel 6"),
    ("RHEL7", "rhel 7"),
    ("RHEL 8", "rhel 8"),
    ("RedHat 8", "rhel 8"),
    ("SUSE Linux Enterprise Server 12 SP5", "sles 12.5"),
    ("SUSE Linux Enterprise Server 15 SP4", "sles 15.4"),
    ("SLES 11 SP4", "sles 11.4"),
    ("SLES 12", "sles 12"),
    ("SLES 15", "sles 15"),
    ("Ubuntu 22.04.4 LTS", "ubuntu 22.04"),
    ("Ubuntu 24.04 LTS", "ubuntu 24.04"),
    ("Ubuntu 18.04.6 LTS", "ubuntu 18.04"),
    ("Ubuntu 16.04", "ubuntu 16.04"),
    ("Debian GNU/Linux 10 (buster)", "debian 10"),
    ("Debian GNU/Linux 12 (bookworm)", "debian 12"),
    # uname and oslevel
    ("SunOS 5.10", "solaris 10"),
    ("SunOS db01 5.10 Generic_150400-59 sun4v sparc SUNW,SPARC-Enterprise-T5220", "solaris 10"),
    ("SunOS app02 5.11 11.4.42.111.0 sun4v sparc sun4v", "solaris 11.4"),
    ("HP-UX db01 B.11.31 U ia64 4093254545 unlimited-user license", "hp-ux 11.31"),
    ("HP-UX hpx02 B.11.23 U 9000/800 123456789 unlimited-user license", "hp-ux 11.23"),
    ("SunOS 5.11", "solaris 11"),
    ("SunOS 5.9", "solaris 9"),
    ("SunOS 5.8", "solaris 8"),
    ("Oracle Solaris 11.4 SPARC", "solaris 11.4"),
    ("Oracle Solaris 11.3 SPARC", "solaris 11.3"),
    ("Oracle Solaris 10 1/13 s10s_u11wos_24a SPARC", "solaris 10"),
    ("Solaris 11", "solaris 11"),
    ("Solaris 11.3", "solaris 11.3"),
    ("Solaris 8", "solaris 8"),
    ("HP-UX B.11.31", "hp-ux 11.31"),
    ("HP-UX B.11.23", "hp-ux 11.23"),
    ("HP-UX 11i v3", "hp-ux 11.31"),
    ("AIX 7100-05", "aix 7.1.5"),
    ("AIX 7100-05-10-2220", "aix 7.1.5"),
    ("AIX 7200-05-03-2148", "aix 7.2.5"),
    ("AIX 7200-04", "aix 7.2.4"),
    ("AIX 7300-02-01-2346", "aix 7.3.2"),
    ("AIX 6100-09", "aix 6.1.9"),
    ("AIX 7.2", "aix 7.2"),
    ("AIX 7.1", "aix 7.1"),
    ("IBM AIX 7.3", "aix 7.3"),
    ("AIX 5.3", "aix 5.3"),
    ("AIX 7.2.0.0", "aix 7.2"),
    ("zOS V2R4", "zos 2.4"),
    ("z/OS V2R5", "zos 2.5"),
    ("z/OS 2.3", "zos 2.3"),
    ("z/OS V3R1", "zos 3.1"),
    ("z/OS 02.04.00", "zos 2.4"),
    ("MVS", "unknown zos"),
    ("OS/400 V7R1", "ibm-i 7.1"),
    ("IBM i 7.4", "ibm-i 7.4"),
    ("AS/400 V5R4", "ibm-i 5.4"),
    ("ESXi 6.7.0", "vmware-esxi 6.7"),
    ("VMware ESXi 7.0.3", "vmware-esxi 7.0"),
    ("VMware ESXi 8.0 Update 2", "vmware-esxi 8.0"),
    # Oracle banners
    (
        "Oracle Database 19c Enterprise Edition Release 19.0.0.0.0 - Production",
        "oracle-database 19",
    ),
    (
        "Oracle Database 12c Enterprise Edition Release 12.1.0.2.0 - 64bit Production",
        "oracle-database 12.1",
    ),
    (
        "Oracle Database 12c Enterprise Edition Release 12.2.0.1.0 - 64bit Production",
        "oracle-database 12.2",
    ),
    (
        "Oracle Database 11g Enterprise Edition Release 11.2.0.4.0 - 64bit Production",
        "oracle-database 11.2",
    ),
    ("Oracle Database 11g Release 11.1.0.7.0 - Production", "oracle-database 11.1"),
    ("Oracle Database 10g Enterprise Edition Release 10.2.0.5.0 - 64bi", "oracle-database 10.2"),
    ("Oracle9i Enterprise Edition Release 9.2.0.8.0 - Production", "oracle-database 9.2"),
    (
        "Oracle Database 18c Standard Edition 2 Release 18.0.0.0.0 - Production",
        "oracle-database 18",
    ),
    ("Oracle Database 21c Express Edition Release 21.0.0.0.0 - Production", "oracle-database 21"),
    (
        "Oracle Database 23ai Free Release 23.0.0.0.0 - Develop, Learn, and Run for Free",
        "oracle-database 23",
    ),
    ("Oracle Database 12c Release 2", "oracle-database 12.2"),
    ("Oracle Database 12c Release 1", "oracle-database 12.1"),
    ("Oracle 12cR2", "oracle-database 12.2"),
    ("Oracle 11gR2", "oracle-database 11.2"),
    ("Oracle 11.2.0.4", "oracle-database 11.2"),
    ("Oracle Database 19c", "oracle-database 19"),
    ("Oracle 12c", "ambiguous oracle-database 12.2"),
    ("Oracle 11g", "ambiguous oracle-database 11.1"),
    ("Oracle 10g", "ambiguous oracle-database 10.1"),
    ("Oracle RDBMS 10.2", "oracle-database 10.2"),
    ("Oracle", "unknown oracle-database"),
    # SELECT @@VERSION
    ("Microsoft SQL Server 2012 (SP4-GDR) (KB4057116) - 11.0.7462.6 (X64)", "mssqlserver 11.0-sp4"),
    ("Microsoft SQL Server 2012 - 11.0.2100.60 (X64)", "mssqlserver 11.0"),
    ("Microsoft SQL Server 2014 (SP3) (KB4022619) - 12.0.6024.0 (X64)", "mssqlserver 12.0-sp3"),
    ("Microsoft SQL Server 2016 (SP2) (KB4052908) - 13.0.5026.0 (X64)", "mssqlserver 13.0-sp2"),
    ("Microsoft SQL Server 2016 (RTM) - 13.0.1601.5 (X64)", "mssqlserver 13.0-rtm"),
    ("Microsoft SQL Server 2017 (RTM-CU31) (KB5016884) - 14.0.3456.2 (X64)", "mssqlserver 14.0"),
    ("Microsoft SQL Server 2019 (RTM-CU22) (KB5027702) - 15.0.4322.2 (X64)", "mssqlserver 15.0"),
    ("Microsoft SQL Server 2022 (RTM-CU12) (KB5033663) - 16.0.4115.5 (X64)", "mssqlserver 16.0"),
    ("Microsoft SQL Server 2008 R2 (SP3) - 10.50.6000.34 (X64)", "mssqlserver 10.50-sp3"),
    ("Microsoft SQL Server 2008 (SP4) - 10.0.6000.29 (X64)", "mssqlserver 10.0-sp4"),
    ("Microsoft SQL Server 2005 - 9.00.5000.00 (Intel X86)", "mssqlserver 9.0"),
    ("Microsoft SQL Server  2000 - 8.00.2039 (Intel X86)", "mssqlserver 8.0"),
    ("SQL Server 2012", "mssqlserver 11.0"),
    ("SQL Server 2016", "mssqlserver 13.0"),
    ("MS SQL 2012 SP4", "mssqlserver 11.0-sp4"),
    ("SQL Server 2008 R2", "mssqlserver 10.50"),
    ("SQL 2016", "mssqlserver 13.0"),
    ("MSSQL 2014", "mssqlserver 12.0"),
    ("SQL Server 2012 SP2", "mssqlserver 11.0-sp2"),
    # java -version and JDK names
    ('java version "1.8.0_202"', "java 8"),
    ('java version "1.7.0_80"', "java 7"),
    ('java version "1.6.0_45"', "java 6"),
    ('java version "11.0.21" 2023-10-17 LTS', "java 11"),
    ('java version "17.0.9" 2023-10-17 LTS', "java 17"),
    ('java version "21.0.1" 2023-10-17 LTS', "java 21"),
    ('java version "1.4.2_19"', "java 1.4"),
    ('openjdk version "1.8.0_392"', "openjdk 8"),
    ('openjdk version "11.0.21" 2023-10-17 LTS', "openjdk 11"),
    ('openjdk version "17.0.9" 2023-10-17 LTS', "openjdk 17"),
    ('openjdk version "21.0.1" 2023-10-17 LTS', "openjdk 21"),
    ("Java 1.8", "java 8"),
    ("Java SE 8u202", "java 8"),
    ("JDK 1.7.0_80", "java 7"),
    ("JRE 8u401", "java 8"),
    ("Oracle Java 17", "java 17"),
    ("Java 11", "java 11"),
    ("OpenJDK 11", "openjdk 11"),
    ("OpenJDK 17", "openjdk 17"),
    # package names
    ("java-1.8.0-openjdk-1.8.0.392.b08-2.el7_9.x86_64", "openjdk 8"),
    ("java-11-openjdk-11.0.21.0.9-1.el8.x86_64", "openjdk 11"),
    ("java-17-openjdk-headless-17.0.9.0.9-2.el9.x86_64", "openjdk 17"),
    ("jdk1.8.0_202", "java 8"),
    ("jdk-17_linux-x64_bin", "java 17"),
    ("postgresql-server-9.6.24", "postgresql 9.6"),
    ("postgresql13-server", "postgresql 13"),
    ("mysql-community-server-5.7.44", "mysql 5.7"),
    ("mariadb-server-10.3.39", "mariadb 10.3"),
    ("php-5.6.40", "php 5.6"),
    ("php-7.4.33-1.el8", "php 7.4"),
    ("python2.7", "python 2.7"),
    ("python3.6", "python 3.6"),
    ("httpd-2.4.6-99.el7", "apache-httpd 2.4"),
    ("httpd-2.2.15-69.el6", "apache-httpd 2.2"),
    ("tomcat-7.0.76", "tomcat 7"),
    ("apache-tomcat-8.5.100", "tomcat 8.5"),
    ("nodejs-16.20.2", "nodejs 16"),
    # middleware and others
    ("Oracle WebLogic Server 11g", "weblogic 10.3"),
    ("WebLogic Server 12.2.1.4", "weblogic 12.2"),
    ("WebLogic Server 12cR2", "weblogic 12.2"),
    ("WebLogic 12c", "ambiguous weblogic 12.1"),
    ("IBM WebSphere Application Server 8.5.5.24", "websphere 8.5"),
    ("IBM MQ 9.1", "ibm-mq 9.1"),
    ("WebSphere MQ 7.5", "ibm-mq 7.5"),
    ("CICS Transaction Server 5.3", "cics 5.3"),
    ("CICS TS V5.6", "cics 5.6"),
    ("IBM Enterprise COBOL 4.2", "ibm-cobol 4.2"),
    ("Enterprise COBOL for z/OS 6.3", "ibm-cobol 6.3"),
    ("Db2 for z/OS 11", "db2 zos-11"),
    ("DB2 for z/OS V12", "db2 zos-12"),
    ("DB2 11.1", "db2 11.1"),
    ("IBM Db2 11.5.8", "db2 11.5"),
    ("DB2 v10.5", "db2 10.5"),
    ("DB2 UDB 9.7", "db2 9.7"),
    ("Db2 11", "ambiguous db2 11.1"),
    ("JBoss EAP 6.4", "jboss-eap 6"),
    ("Red Hat JBoss Enterprise Application Platform 7.4", "jboss-eap 7"),
    ("IIS 7.5", "iis 7.5"),
    ("Microsoft IIS 10.0", "iis 10.0"),
    (".NET Framework 3.5", "dotnetfx 3.5"),
    (".NET Framework 3.5 SP1", "dotnetfx 3.5-sp1"),
    (".NET Framework 4.6.1", "dotnetfx 4.6.1"),
    (".NET Framework 4.7.2", "dotnetfx 4.7.2"),
    (".NET Framework 4.7", "dotnetfx 4.7"),
    (".NET 4.8", "dotnetfx 4.8"),
    (".NET 6", "dotnet 6"),
    (".NET Core 3.1", "dotnet 3.1"),
    ("Exchange 2013", "msexchange 2013"),
    ("Microsoft Exchange Server 2016 CU23", "msexchange 2016"),
    ("Exchange Server 2019", "msexchange 2019"),
    ("SharePoint 2010", "sharepoint 2010"),
    ("SharePoint Server 2019", "sharepoint 2019"),
    ("Office 2016", "ms-office 2016"),
    ("IE11", "internet-explorer 11"),
    ("Internet Explorer 11", "internet-explorer 11"),
    ("Tomcat 8", "ambiguous tomcat 8.0"),
    ("Apache Tomcat 7", "tomcat 7"),
    ("Citrix XenApp 6.5", "citrix 6.5"),
    ("Citrix Virtual Apps and Desktops 7 1912 LTSR", "citrix 1912"),
    ("VB6", "visual-basic 6"),
    ("PowerBuilder 12.6", "powerbuilder 12.6"),
    ("Lotus Notes 8.5", "lotus-domino 8.5"),
    ("Sybase ASE 15.7", "sybase-ase 15.7"),
    # products the catalogue does not hold, and versions it does not know
    ("Foo Widget 1.2", "unknown"),
    ("Linux 3.10.0-1160.el7.x86_64", "unknown"),
    ("PHP 3.0", "unknown php"),
    # earlier spellings
    ("Windows Server 2008R2 SP1", "windows-server 2008-r2-sp1"),
    ("Windows Server 2012 R2 Datacenter", "windows-server 2012-r2"),
    ("Windows Server 2016 Standard x64", "windows-server 2016"),
    ("Windows XP", "windows 5"),
    ("Oracle Database 11g R2", "oracle-database 11.2"),
    ("Red Hat Enterprise Linux 7.9", "rhel 7"),
    ("CentOS 7", "centos 7"),
    ("Microsoft SQL Server 2014 SP3", "mssqlserver 12.0-sp3"),
    ("Solaris 10", "solaris 10"),
    ("Oracle Solaris 10 1/13", "solaris 10"),
    ("Tomcat 8.5.100", "tomcat 8.5"),
    ("Oracle WebLogic 11g", "weblogic 10.3"),
    ("IBM WebSphere 8.5.5", "websphere 8.5"),
    ("VMware ESXi 6.7", "vmware-esxi 6.7"),
    ("PHP 5.6", "php 5.6"),
    ("Python 2.7", "python 2.7"),
    ("MySQL 5.7", "mysql 5.7"),
    ("PostgreSQL 15", "postgresql 15"),
    ("AS/400 V7R1", "ibm-i 7.1"),
]


def resolved(match: Match) -> str:
    """What a match resolved to, in the corpus's words."""
    if match.product is None:
        return "unknown"
    if match.cycle is None:
        return f"unknown {match.product.key}"
    ambiguous = match.note is not None and match.note.startswith("ambiguous:")
    return ("ambiguous " if ambiguous else "") + f"{match.product.key} {match.cycle.cycle}"


@pytest.mark.parametrize(("text", "expected"), CORPUS, ids=[text for text, _ in CORPUS])
def test_each_string_resolves_as_the_corpus_says(text: str, expected: str) -> None:
    match = builtin().match(text)
    assert resolved(match) == expected, match.note


def test_the_corpus_holds_at_least_150_strings_each_once() -> None:
    texts = [text for text, _ in CORPUS]
    assert len(texts) >= 150
    assert len(set(texts)) == len(texts)


def _shared_prefixes() -> list[tuple[str, str]]:
    """(product key, version) for every version several releases of a product start with but
    none is named by, e.g. Oracle Database "12" (12.1 and 12.2) or Tomcat "8" (8.0 and 8.5)."""
    found: list[tuple[str, str]] = []
    for product in builtin().products.values():
        names = {tuple(c.cycle.replace("-", ".").split(".")) for c in product.cycles}
        prefixes = {name[:-1] for name in names if len(name) > 1}
        for prefix in sorted(prefixes - names):
            starting = [n for n in names if n[: len(prefix)] == prefix]
            if len(starting) > 1 and prefix[0].isdigit():
                found.append((product.key, ".".join(prefix)))
    return found


@pytest.mark.parametrize(("key", "version"), _shared_prefixes())
def test_every_product_line_reports_ambiguity_the_same_way(key: str, version: str) -> None:
    product = builtin().products[key]
    spellings = (key.replace("-", " "), product.title)
    name = next(n for n in spellings if builtin().match(n).product is product)
    match = builtin().match(f"{name} {version}")
    assert match.product is product
    assert match.note is not None, f"{product.title} {version} matched without a note"
    assert match.note.startswith(f"ambiguous: version {' '.join(tokens(version))} could be")
    assert match.cycle is not None and f"assumed {match.cycle.label}" in match.note
