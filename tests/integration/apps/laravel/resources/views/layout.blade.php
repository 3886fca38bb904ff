<!DOCTYPE html>
<html lang="{{ str_replace('_', '-', app()->getLocale()) }}">
<head>
    <meta charset="utf-8">
    <meta name="csrf-token" content="{{ csrf_token() }}">
    <title>@yield('title') - {{ config('app.name') }}</title>
</head>
<body>
@if (session('status'))
    <p class="status">{{ session('status') }}</p>
@endif
@yield('content')
</body>
</html>
