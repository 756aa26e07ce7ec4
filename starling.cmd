@echo off
rem Starling launcher for Windows (the counterpart of ./starling): builds on first use, then runs
rem the CLI. After changing sources, set STARLING_REBUILD=1 for one run to rebuild.
rem Larger experiments: set STARLING_JAVA_OPTS=-Xmx8g (added to the defaults; a later -Xmx wins).
setlocal
set "STARLING_HOME=%~dp0"
if "%STARLING_HOME:~-1%"=="\" set "STARLING_HOME=%STARLING_HOME:~0,-1%"
set "TARGET=%STARLING_HOME%\app\target"
set "JAR=%TARGET%\starling-app-0.1.0-SNAPSHOT.jar"
if defined STARLING_REBUILD goto build
if not exist "%JAR%" goto build
if not exist "%TARGET%\lib" goto build
goto run

:build
echo starling: building (first use or STARLING_REBUILD set; this takes a minute or two)... 1>&2
pushd "%STARLING_HOME%"
call mvnw.cmd -q -B -DskipTests -pl app -am install > "%STARLING_HOME%\.starling-build.log" 2>&1
set "BUILD_RC=%ERRORLEVEL%"
popd
if not "%BUILD_RC%"=="0" (
  echo starling: build failed; see %STARLING_HOME%\.starling-build.log 1>&2
  exit /b 1
)

:run
if not defined OMP_NUM_THREADS set "OMP_NUM_THREADS=1"
java -Xmx1g -Dorg.bytedeco.javacpp.maxbytes=1g -Dorg.bytedeco.javacpp.maxphysicalbytes=1900m %STARLING_JAVA_OPTS% ^
  --add-modules jdk.incubator.vector "-Dstarling.home=%STARLING_HOME%" ^
  -cp "%JAR%;%TARGET%\lib\*" dev.starling.app.cli.Main %*
exit /b %ERRORLEVEL%
