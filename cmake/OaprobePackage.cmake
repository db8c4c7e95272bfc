# The Debian package (CPack DEB): `cpack -G DEB` in a build directory, as
# tests/integration/deploy/check-deb.sh does. It holds the binary, the
# hardened systemd unit with its sysusers.d and tmpfiles.d files, the
# configuration (/etc/oaprobe/oaprobe.yml, a conffile, no targets), the
# commented example and the other deploy/ examples, and the man pages;
# Depends comes from the binary's shared libraries (dpkg-shlibdeps) plus
# systemd (sysusers, tmpfiles in postinst).

set(pkg_doc share/doc/oaprobe)
install(FILES deploy/systemd/oaprobe.service DESTINATION lib/systemd/system)
install(FILES deploy/systemd/oaprobe.sysusers DESTINATION lib/sysusers.d RENAME oaprobe.conf)
install(FILES deploy/systemd/oaprobe.tmpfiles DESTINATION lib/tmpfiles.d RENAME oaprobe.conf)
install(FILES deploy/oaprobe.yml DESTINATION /etc/oaprobe)
install(FILES deploy/nginx/oaprobe.conf DESTINATION ${pkg_doc}/examples RENAME nginx-oaprobe.conf)
install(FILES deploy/oaprobe.example.yml deploy/grafana/oaprobe-dashboard.json
              deploy/prometheus/oaprobe-rules.yml deploy/prometheus/prometheus-metrics.yml
              deploy/prometheus/prometheus-probe.yml
        DESTINATION ${pkg_doc}/examples)
install(FILES README.md docs/diagnoses.md docs/check-output.md docs/validports.md
        DESTINATION ${pkg_doc})

# Man pages, compressed the Debian way (gzip -9n: no name, no time stamp).
set(man_out)
foreach(page oaprobe.1 oaprobe.yml.5)
  string(REGEX REPLACE ".*\\.([0-9])$" "\\1" section ${page})
  add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/man/${page}.gz
                     COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
                     COMMAND gzip -9n -c ${CMAKE_SOURCE_DIR}/deploy/man/${page}
                             > ${CMAKE_BINARY_DIR}/man/${page}.gz
                     DEPENDS ${CMAKE_SOURCE_DIR}/deploy/man/${page} VERBATIM)
  install(FILES ${CMAKE_BINARY_DIR}/man/${page}.gz DESTINATION share/man/man${section})
  list(APPEND man_out ${CMAKE_BINARY_DIR}/man/${page}.gz)
endforeach()
add_custom_target(oaprobe_man ALL DEPENDS ${man_out})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME oaprobe)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Outlook Anywhere (RPC over HTTP) endpoint checker and monitor")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Checks the Outlook Anywhere endpoint of legacy Exchange layer by layer
(DNS, TCP, TLS certificate, rpcproxy.dll, authentication, ValidPorts, the
RPC over HTTP tunnel and bind to each server:port) and says what is wrong
and how to fix it, as a Nagios-style command and as a service.")
set(CPACK_PACKAGE_CONTACT "oaprobe maintainers <oaprobe@localhost>")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/deploy/debian/postinst ${CMAKE_SOURCE_DIR}/deploy/debian/prerm
    ${CMAKE_SOURCE_DIR}/deploy/debian/postrm ${CMAKE_SOURCE_DIR}/deploy/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
include(CPack)
