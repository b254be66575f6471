"""Statistics for the dashboards, the Excel export and the semiannual bulletin (Art. 8(4))."""
