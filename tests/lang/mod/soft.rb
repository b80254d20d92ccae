# A module for soft-keywords.rb.
let value = 1
