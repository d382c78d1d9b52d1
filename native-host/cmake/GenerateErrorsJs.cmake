# cmake -DIN=errors.def -DOUT=errors.gen.js -P GenerateErrorsJs.cmake
file(STRINGS ${IN} lines REGEX "^CW_ERROR\\(")
set(codes "")
set(names "")
set(messages "")
foreach(line IN LISTS lines)
  if(line MATCHES "^CW_ERROR\\(([0-9]+), ([A-Z0-9_]+), \"(.*)\"\\)$")
    string(APPEND codes "  ${CMAKE_MATCH_2}: ${CMAKE_MATCH_1},\n")
    string(APPEND names "  ${CMAKE_MATCH_1}: '${CMAKE_MATCH_2}',\n")
    string(REPLACE "'" "\\'" text "${CMAKE_MATCH_3}")
    string(APPEND messages "  ${CMAKE_MATCH_1}: '${text}',\n")
  else()
    message(FATAL_ERROR "errors.def: cannot parse line: ${line}")
  endif()
endforeach()
file(WRITE ${OUT} "// Generated from native-host/protocol/errors.def by GenerateErrorsJs.cmake. Do not edit.
// Codes are append-only and shared with the native host.
export const ErrorCode = Object.freeze({
${codes}});

export const ErrorName = Object.freeze({
${names}});

export const ErrorTemplate = Object.freeze({
${messages}});
")
