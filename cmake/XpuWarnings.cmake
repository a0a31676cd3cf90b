# Warning flags for the project's own (non-generated) targets.
function(xpu_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
endfunction()
