"""The regulator return (监管报送): per period, the counts by JR/T 0169-2018 code and
institution group, the Art. 11 timeliness per member and the Art. 12 decisions, frozen and
versioned like the bulletin for the local office of the regulator."""
