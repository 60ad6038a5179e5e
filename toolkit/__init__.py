"""集群申报工具箱 — the toolkit consultants use to prepare 中小企业特色产业集群 applications.

The pipeline is a chain of plain functions, each a function of the previous step's output:

    intake (toolkit.intake.reader)  →  assessment (toolkit.assess.assessment)  →  narrative (toolkit.documents.narrative)
        →  documents (toolkit.documents.forms) / charts (toolkit.documents.charts)  →  package (toolkit.package.writer)

Importing ``toolkit`` is cheap: heavy libraries (pandas, matplotlib, docx) are imported by the
modules that need them.
"""

__version__ = "0.1.0"
