"""Official documents in the form GB/T 9704-2012 sets (党政机关公文格式): document numbers
given at publication, and the layout the bulletin and the Art. 12 letters share."""
