@extends('layout')

@section('title', 'Sign in')

@section('content')
@error('email')<p class="error">{{ $message }}</p>@enderror
<form method="post" action="/login">
    @csrf
    <input name="email" value="{{ old('email') }}">
    <input name="password" type="password">
</form>
@endsection
