# cw_set_warnings(target): the project's warning set, PRIVATE so consumers are not affected.
function(cw_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                           -Wno-sign-conversion -Wnon-virtual-dtor -Wold-style-cast)
  if(CW_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
