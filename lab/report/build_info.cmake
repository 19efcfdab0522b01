# The build facts a report prints (compiler, flags, build type, git commit), baked into a generated
# header. The commit is read at configure time; CMake re-configures when HEAD moves.
string(TOUPPER "${CMAKE_BUILD_TYPE}" _qlab_bt)
string(STRIP "${CMAKE_CXX_FLAGS} ${CMAKE_CXX_FLAGS_${_qlab_bt}}" QLAB_REPORT_CXX_FLAGS)
set(QLAB_REPORT_GIT_COMMIT "unknown")
find_package(Git QUIET)
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse HEAD
                  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                  OUTPUT_VARIABLE _qlab_commit OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE _qlab_git_rc ERROR_QUIET)
  if(_qlab_git_rc EQUAL 0 AND _qlab_commit MATCHES "^[0-9a-f]+$")
    set(QLAB_REPORT_GIT_COMMIT "${_qlab_commit}")
    execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --absolute-git-dir
                    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                    OUTPUT_VARIABLE _qlab_git_dir OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --symbolic-full-name HEAD
                    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                    OUTPUT_VARIABLE _qlab_head_ref OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --git-common-dir
                    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                    OUTPUT_VARIABLE _qlab_common_dir OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(NOT IS_ABSOLUTE "${_qlab_common_dir}")
      set(_qlab_common_dir "${PROJECT_SOURCE_DIR}/${_qlab_common_dir}")
    endif()
    foreach(_qlab_dep "${_qlab_git_dir}/HEAD" "${_qlab_common_dir}/${_qlab_head_ref}"
                      "${_qlab_common_dir}/packed-refs")
      if(EXISTS "${_qlab_dep}" AND NOT IS_DIRECTORY "${_qlab_dep}")
        set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_qlab_dep}")
      endif()
    endforeach()
  endif()
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/build_info.h.in
               ${CMAKE_CURRENT_BINARY_DIR}/generated/qlab/report/build_info.h @ONLY)
target_include_directories(qlab_report PRIVATE ${CMAKE_CURRENT_BINARY_DIR}/generated)
