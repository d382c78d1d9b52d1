# CW_SANITIZE="address;undefined" turns sanitizers on for every target in the tree.
if(CW_SANITIZE)
  string(REPLACE ";" "," _cw_san "${CW_SANITIZE}")
  add_compile_options(-fsanitize=${_cw_san} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_cw_san})
endif()
