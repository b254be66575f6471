"""Art. 8(6), 9(5), 10(3): case dossiers (案卷) frozen at closure with SHA-256, archive numbers, retention and the export of a closed half year."""
